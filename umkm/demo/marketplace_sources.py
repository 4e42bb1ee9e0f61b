"""Row renderers for the marketplace seller exports.

Tokopedia, Shopee, Lazada, Bukalapak, Blibli and the 15 BBI platforms each get
one `render_*` function producing that export's cells from the joined
business/record view: decorated shop names and slugs, owner names often blank,
phones mostly in `62..` form, kabupaten/kota in the platform's spelling, join
dates, product counts, ratings and activity flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.demo import cells, noise
from umkm.demo.catalog import BBI_PLATFORMS
from umkm.demo.context import RenderContext
from umkm.demo.geography import province_name
from umkm.demo.randomness import choose_text, digit_strings, flags
from umkm.demo.registry_sources import sector_labels
from umkm.demo.textops import mask_text, where_text

TOKOPEDIA_COLUMNS = (
    "shop_id",
    "shop_domain",
    "shop_name",
    "owner_name",
    "phone",
    "email",
    "city",
    "district",
    "postal_code",
    "joined_at",
    "products",
    "rating",
    "merchant_tier",
    "is_active",
)
SHOPEE_COLUMNS = (
    "shopid",
    "userid",
    "username",
    "shop_name",
    "seller_name",
    "phone",
    "shop_location",
    "ctime",
    "item_count",
    "rating_star",
    "follower_count",
    "last_active_time",
)
LAZADA_COLUMNS = (
    "Seller ID",
    "Seller Name",
    "Shop Name",
    "Business Registration No.",
    "Contact Number",
    "Email",
    "Pickup Address",
    "City",
    "Province",
    "Registration Date",
    "Status",
)
BUKALAPAK_FIELDS = (
    "store_id",
    "username",
    "store_name",
    "owner.name",
    "owner.phone",
    "address.street",
    "address.district",
    "address.city",
    "address.province",
    "address.postal_code",
    "joined_at",
    "product_count",
    "level",
    "closed",
)
BLIBLI_COLUMNS = (
    "merchant_code",
    "merchant_name",
    "pic_name",
    "pic_phone",
    "business_type",
    "npwp",
    "city",
    "address",
    "join_date",
    "total_sku",
    "rating",
)
BBI_COLUMNS = (
    "platform",
    "id_penjual",
    "nama_toko",
    "nama_pemilik",
    "no_hp",
    "email",
    "alamat",
    "kecamatan",
    "kota_kabupaten",
    "provinsi",
    "kode_pos",
    "tanggal_bergabung",
    "jumlah_produk",
    "kategori",
    "nib",
)

FIRST_PLATFORM_DAY = np.datetime64("2016-01-01")
BBI_PLATFORM_NAMES = {key: name for key, name, _, _, _ in BBI_PLATFORMS}


def joined_seconds(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> np.ndarray:
    """When the shop opened: any time since 2016 for the first snapshot, else just before its first day."""
    created = view["created_day"].to_numpy().astype("timedelta64[D]")
    start = np.datetime64(ctx.start_date)
    last = start + created - np.timedelta64(1, "D")
    first = np.where(
        view["created_day"].to_numpy() == 0, FIRST_PLATFORM_DAY, last - np.timedelta64(1, "D")
    )
    return cells.unix_seconds_between(rng, first, last)


def joined_days(seconds: np.ndarray) -> np.ndarray:
    """Jakarta calendar dates of Unix instants."""
    return ((seconds + cells.JAKARTA_OFFSET_SECONDS) // 86_400).astype("datetime64[D]")


def shop_name(
    view: pd.DataFrame,
    rng: np.random.Generator,
    *,
    upper: float = 0.1,
    lower: float = 0.08,
    suffix: float = 0.12,
    emoji: float = 0.05,
    underscore: float = 0.01,
) -> pd.Series:
    """A decorated shop name (`Official`, `Store`, emoji, `_official`, caps)."""
    name = noise.render_business_name(
        view, rng, legal=0.02, shop_add=0.03, shop_drop=0.12, upper=upper, lower=lower
    )
    return noise.decorate_for_platform(
        name, rng, suffix=suffix, emoji=emoji, underscore_official=underscore
    )


def shop_slug(
    view: pd.DataFrame, rng: np.random.Generator, separators: dict[str, float]
) -> pd.Series:
    """URL slug of the shop (`keripikbuani`, `lele-ciputat-timur`, `sinarshop`)."""
    base = noise.toggle_shop_word(view["name"], rng, add_rate=0.0, drop_rate=0.5)
    branch = choose_text(rng, ("2", "id", "official", "grosir"), len(view), index=view.index)
    base = mask_text(base, view["shop_no"].to_numpy() > 0, base + " " + branch)
    tail = choose_text(rng, (" shop", " store", " official", " id"), len(view), index=view.index)
    base = mask_text(base, flags(rng, len(view), 0.1), base + tail)
    return noise.slugify(noise.inject_typos(base, rng, 0.02), rng, separators)


def platform_phone(
    view: pd.DataFrame, rng: np.random.Generator, weights: dict[str, float]
) -> pd.Series:
    """Seller phone in the platform's usual formats."""
    return noise.format_phone(view["phone"], view["phone_other"], view["kab_code"], rng, weights)


def products_count(rng: np.random.Generator, size: int) -> np.ndarray:
    """Number of listed products, skewed (mostly tens to hundreds)."""
    return np.clip(rng.lognormal(np.log(250), 1.1, size=size), 1, 5000).astype(np.int64)


def is_closed(view: pd.DataFrame) -> np.ndarray:
    """Businesses that have closed (registry TUTUP)."""
    return (view["status"] == "TUTUP").to_numpy()


def render_tokopedia(
    view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext
) -> pd.DataFrame:
    """Rows of tokopedia_sellers.csv."""
    size = len(view)
    joined = joined_seconds(view, rng, ctx)
    rating = pd.Series(np.round(rng.uniform(3.5, 5.0, size), 1), index=view.index).astype("str")
    active = ~((is_closed(view) & flags(rng, size, 0.8)) | flags(rng, size, 0.02))
    columns = {
        "shop_id": view["key"],
        "shop_domain": shop_slug(view, rng, {"": 0.75, "-": 0.2, "_": 0.05}),
        "shop_name": shop_name(view, rng),
        "owner_name": noise.render_owner(
            view,
            rng,
            {
                "blank": 0.55,
                "full": 0.15,
                "first_only": 0.1,
                "first_lower": 0.05,
                "lower": 0.05,
                "initial_first": 0.05,
                "first_last_initial": 0.05,
            },
        ),
        "phone": platform_phone(
            view,
            rng,
            {
                "plain": 0.25,
                "intl": 0.15,
                "plus_spaced": 0.1,
                "plus_dashed": 0.1,
                "dashed": 0.05,
                "masked": 0.05,
                "blank": 0.3,
            },
        ),
        "email": noise.blank_some(view["email"], rng, 0.5),
        "city": noise.render_city(
            view["kab_code"],
            rng,
            {"short": 0.45, "official": 0.2, "bare": 0.2, "nickname": 0.1, "short_nodot": 0.05},
        ),
        "district": noise.blank_some(
            noise.render_kecamatan(view["kecamatan"], rng, prefix=0.0, upper=0.03), rng, 0.1
        ),
        "postal_code": noise.postal_or_blank(view, rng, 0.25),
        "joined_at": cells.jakarta_timestamps(joined, view.index),
        "products": pd.Series(products_count(rng, size), index=view.index).astype("str"),
        "rating": mask_text(rating, flags(rng, size, 0.2), ""),
        "merchant_tier": choose_text(
            rng,
            ("regular", "power_merchant", "official_store"),
            size,
            (0.75, 0.22, 0.03),
            index=view.index,
        ),
        "is_active": pd.Series(np.where(active, "true", "false"), index=view.index, dtype="str"),
    }
    return pd.DataFrame(columns, index=view.index)


def _shopee_location(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """`KAB. TANGERANG`, `Tangerang Selatan`, or `KOTA SERANG - CIPOCOK JAYA`."""
    city = noise.render_city(
        view["kab_code"],
        rng,
        {"upper_short": 0.45, "official": 0.15, "upper_bare": 0.15, "bare": 0.15, "nickname": 0.1},
    )
    with_district = flags(rng, len(view), 0.45)
    return mask_text(city, with_district, city.str.upper() + " - " + view["kecamatan"].str.upper())


def render_shopee(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of shopee_shops.csv."""
    size = len(view)
    created = joined_seconds(view, rng, ctx)
    today = cells.unix_seconds_between(
        rng,
        np.full(size, np.datetime64(ctx.delivery_date) - np.timedelta64(30, "D")),
        np.full(size, np.datetime64(ctx.delivery_date) - np.timedelta64(1, "D")),
    )
    username = shop_slug(view, rng, {"": 0.6, "_": 0.35, "-": 0.05})
    username = mask_text(
        username, flags(rng, size, 0.04), (username + ".official").str.slice(0, 24)
    )
    rating = pd.Series(np.round(rng.uniform(3.6, 5.0, size), 2), index=view.index).astype("str")
    columns = {
        "shopid": view["key"],
        "userid": digit_strings(rng, size, 9)
        .str.replace("^0", "3", regex=True)
        .set_axis(view.index),
        "username": username,
        "shop_name": shop_name(view, rng, upper=0.15, emoji=0.08, suffix=0.15),
        "seller_name": noise.render_owner(
            view, rng, {"blank": 0.8, "first_last_initial": 0.1, "full": 0.05, "upper": 0.05}
        ),
        "phone": platform_phone(view, rng, {"intl": 0.6, "plain": 0.1, "blank": 0.3}),
        "shop_location": _shopee_location(view, rng),
        "ctime": pd.Series(created, index=view.index).astype("str"),
        "item_count": pd.Series(products_count(rng, size), index=view.index).astype("str"),
        "rating_star": mask_text(rating, flags(rng, size, 0.15), ""),
        "follower_count": pd.Series(rng.integers(0, 25_000, size), index=view.index).astype("str"),
        "last_active_time": pd.Series(np.maximum(today, created), index=view.index).astype("str"),
    }
    return pd.DataFrame(columns, index=view.index)


def _lazada_registration_number(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """NIB, NPWP (15 digits, dotted or bare), NIK as 16-digit NPWP, or blank."""
    npwp = view["npwp"]
    dotted = (
        npwp.str.slice(0, 2)
        + "."
        + npwp.str.slice(2, 5)
        + "."
        + npwp.str.slice(5, 8)
        + "."
        + npwp.str.slice(8, 9)
        + "-"
        + npwp.str.slice(9, 12)
        + "."
        + npwp.str.slice(12, 15)
    )
    style = rng.random(len(view))
    result = pd.Series("", index=view.index, dtype="str")
    result = mask_text(result, (view["nib"] != "").to_numpy() & (style < 0.4), view["nib"])
    has_npwp = (npwp != "").to_numpy() & (result == "").to_numpy()
    result = mask_text(
        mask_text(result, has_npwp & (style < 0.6), dotted), has_npwp & (style >= 0.6), npwp
    )
    return mask_text(result, (result == "").to_numpy() & (style > 0.75), view["nik"])


def render_lazada(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of lazada_sellers.xlsx (typed cells, None for blank)."""
    size = len(view)
    closed = is_closed(view)
    status = np.where(
        rng.random(size) < 0.95, "Active", np.where(rng.random(size) < 0.8, "Inactive", "Suspended")
    )
    status = np.where(closed, np.where(rng.random(size) < 0.7, "Inactive", "Suspended"), status)
    company = (
        view["legal_form"].str.replace("PT Perorangan", "PT", regex=False) + " " + view["name"]
    )
    seller = noise.render_owner(
        view, rng, {"first_lower": 0.3, "full": 0.35, "titled": 0.05, "blank": 0.3}
    )
    seller = mask_text(
        seller,
        (view["legal_form"] != "Orang Perseorangan").to_numpy() & flags(rng, size, 0.6),
        company,
    )
    street = noise.render_street(view, rng)
    pickup = mask_text((street + ", " + view["kecamatan"]), flags(rng, size, 0.1), "")
    province = mask_text(province_name(view["kab_code"]), flags(rng, size, 0.15), "")
    columns = {
        "Seller ID": view["key"].to_numpy(dtype=object),
        "Seller Name": cells.text_or_none(seller),
        "Shop Name": cells.text_or_none(shop_name(view, rng, suffix=0.15, underscore=0.04)),
        "Business Registration No.": cells.text_or_none(_lazada_registration_number(view, rng)),
        "Contact Number": cells.text_or_none(
            platform_phone(view, rng, {"plus": 0.5, "plain": 0.2, "blank": 0.3})
        ),
        "Email": cells.text_or_none(noise.blank_some(view["email"], rng, 0.4)),
        "Pickup Address": cells.text_or_none(pickup),
        "City": cells.text_or_none(
            noise.render_city(view["kab_code"], rng, {"short": 0.5, "bare": 0.35, "official": 0.15})
        ),
        "Province": cells.text_or_none(province),
        "Registration Date": cells.python_dates(joined_days(joined_seconds(view, rng, ctx))),
        "Status": status.astype(object),
    }
    return pd.DataFrame(columns, index=view.index, dtype=object)


def render_bukalapak(
    view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext
) -> pd.DataFrame:
    """Lines of bukalapak_stores.jsonl as JSON literals per field."""
    size = len(view)
    js = cells.json_string
    closed = is_closed(view) | flags(rng, size, 0.03)
    province = province_name(view["kab_code"])
    columns = {
        "store_id": view["key"],
        "username": js(shop_slug(view, rng, {"_": 0.6, "": 0.4})),
        "store_name": js(shop_name(view, rng, suffix=0.08, emoji=0.01, upper=0.1)),
        "owner.name": js(
            noise.render_owner(
                view,
                rng,
                {
                    "full": 0.5,
                    "upper": 0.15,
                    "first_lower": 0.1,
                    "blank": 0.1,
                    "honorific": 0.05,
                    "first_only": 0.1,
                },
            )
        ),
        "owner.phone": js(
            platform_phone(view, rng, {"plain": 0.4, "dashed": 0.3, "intl": 0.1, "blank": 0.2})
        ),
        "address.street": js(noise.render_address(view, rng, rt_rw_rate=0.5)),
        "address.district": js(
            noise.render_kecamatan(view["kecamatan"], rng, prefix=0.0, upper=0.03, typo_rate=0.04)
        ),
        "address.city": js(
            noise.render_city(view["kab_code"], rng, {"official": 0.7, "bare": 0.2, "short": 0.1})
        ),
        "address.province": js(province),
        "address.postal_code": js(noise.postal_or_blank(view, rng, 0.1)),
        "joined_at": js(cells.jakarta_timestamps(joined_seconds(view, rng, ctx), view.index)),
        "product_count": pd.Series(products_count(rng, size), index=view.index).astype("str"),
        "level": js(
            choose_text(
                rng,
                ("Pedagang", "Juragan", "Super Seller"),
                size,
                (0.6, 0.3, 0.1),
                index=view.index,
            )
        ),
        "closed": pd.Series(np.where(closed, "true", "false"), index=view.index, dtype="str"),
    }
    return pd.DataFrame(columns, index=view.index)


def render_blibli(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of blibli_merchants.csv."""
    size = len(view)
    rating = pd.Series(np.round(rng.uniform(3.8, 5.0, size), 1), index=view.index).astype("str")
    individual = (view["legal_form"] == "Orang Perseorangan").to_numpy()
    address = noise.render_street(view, rng) + ", Kec. " + view["kecamatan"]
    columns = {
        "merchant_code": view["key"],
        "merchant_name": shop_name(view, rng, suffix=0.05, emoji=0.05, upper=0.05),
        "pic_name": noise.render_owner(
            view,
            rng,
            {
                "full": 0.5,
                "honorific": 0.1,
                "honorific_first": 0.1,
                "first_only": 0.1,
                "blank": 0.2,
            },
        ),
        "pic_phone": platform_phone(view, rng, {"intl": 0.6, "plain": 0.1, "blank": 0.3}),
        "business_type": pd.Series(
            np.where(individual, "Individual", "Company"), index=view.index, dtype="str"
        ),
        "npwp": mask_text(view["npwp"], flags(rng, size, 0.2), ""),
        "city": noise.render_city(
            view["kab_code"], rng, {"official": 0.5, "short": 0.3, "bare": 0.2}
        ),
        "address": mask_text(address, flags(rng, size, 0.05), ""),
        "join_date": cells.day_first_dates(
            joined_days(joined_seconds(view, rng, ctx)), "-", view.index
        ),
        "total_sku": pd.Series(products_count(rng, size), index=view.index).astype("str"),
        "rating": mask_text(rating.str.replace(".", ",", regex=False), flags(rng, size, 0.15), ""),
    }
    return pd.DataFrame(columns, index=view.index)


def _bbi_joined(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.Series:
    """`2021-03-04`, `04/03/2021` or `Maret 2021`, as each form-filler typed it."""
    days = joined_days(joined_seconds(view, rng, ctx))
    style = rng.random(len(view))
    text = cells.iso_dates(days, view.index)
    text = mask_text(text, style >= 0.4, cells.day_first_dates(days, "/", view.index))
    return mask_text(text, style >= 0.75, cells.month_year(days, view.index))


def _bbi_province(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """`Banten` in a few spellings, or the seller's real province when outside Banten."""
    banten = choose_text(
        rng,
        ("Banten", "BANTEN", "banten", "Banten", ""),
        len(view),
        (0.8, 0.1, 0.03, 0.0, 0.07),
        index=view.index,
    )
    return where_text(banten, view["in_banten"].to_numpy(), province_name(view["kab_code"]))


def render_bbi(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of the BBI-template platform files (the view's `source` column names the platform)."""
    size = len(view)
    phone_styles = {
        "masked": 0.05,
        "plain": 0.35,
        "dashed": 0.1,
        "plus_spaced": 0.1,
        "plus_dashed": 0.05,
        "intl": 0.05,
        "blank": 0.2,
    }
    phone = platform_phone(view, rng, phone_styles)
    masked = view["phone"].str.slice(0, 4) + "****" + view["phone"].str.slice(-4)
    phone = mask_text(
        phone, (view["source"] == "zalora").to_numpy() & flags(rng, size, 0.8), masked
    )
    columns = {
        "platform": view["source"].map(BBI_PLATFORM_NAMES).astype("str"),
        "id_penjual": view["key"],
        "nama_toko": shop_name(
            view, rng, upper=0.2, lower=0.1, suffix=0.08, emoji=0.04, underscore=0.03
        ),
        "nama_pemilik": noise.render_owner(
            view,
            rng,
            {
                "blank": 0.3,
                "full": 0.3,
                "upper": 0.1,
                "lower": 0.1,
                "first_last_initial": 0.05,
                "titled": 0.05,
                "first_only": 0.1,
            },
        ),
        "no_hp": phone,
        "email": noise.blank_some(view["email"], rng, 0.4),
        "alamat": noise.blank_some(noise.render_address(view, rng, rt_rw_rate=0.4), rng, 0.2),
        "kecamatan": noise.render_kecamatan(view["kecamatan"], rng, prefix=0.15, upper=0.1),
        "kota_kabupaten": noise.render_city(
            view["kab_code"],
            rng,
            {
                form: 1.0
                for form in (
                    "official",
                    "short",
                    "short_nodot",
                    "upper_short",
                    "upper_full",
                    "suffix",
                    "bare",
                    "upper_bare",
                    "nickname",
                )
            },
        ),
        "provinsi": _bbi_province(view, rng),
        "kode_pos": noise.postal_or_blank(view, rng, 0.4),
        "tanggal_bergabung": _bbi_joined(view, rng, ctx),
        "jumlah_produk": cells.ribuan(
            products_count(rng, size) * np.where(flags(rng, size, 0.4), 8, 1)
        ).set_axis(view.index),
        "kategori": sector_labels(view["sector"], rng, 3),
        "nib": mask_text(view["nib"], flags(rng, size, 0.7), ""),
    }
    return pd.DataFrame(columns, index=view.index)
