"""Row renderers for the regional registries (R1, R2, R3) and the OSS extract.

Each `render_*` function turns a view (one row per record: the true business
joined with its record key) into the cells that source writes, with that
source's habits: upper-case Dinas spreadsheets with number-typed NIKs, the
cp1252 SIMUMKM export with split RT/RW, the Cilegon API's nested JSON with
nulls and missing fields, and OSS's upper-case, fully quoted extract.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.demo import cells, noise
from umkm.demo.context import RenderContext
from umkm.demo.randomness import choose_text, flags
from umkm.demo.textops import mask_text, select_text, where_text
from umkm.demo.vocabulary import SECTORS

R1_COLUMNS = (
    "NO",
    "ID UMKM",
    "NAMA USAHA",
    "NAMA PEMILIK",
    "NIK",
    "JENIS KELAMIN",
    "ALAMAT",
    "DESA/KELURAHAN",
    "KECAMATAN",
    "NO. HP/WA",
    "BIDANG USAHA",
    "NIB",
    "OMZET/TAHUN (Rp)",
    "TANGGAL TERDAFTAR",
)
R2_COLUMNS = (
    "id_umkm",
    "nama_usaha",
    "nama_pemilik",
    "nik",
    "alamat",
    "rt",
    "rw",
    "kelurahan",
    "kecamatan",
    "kode_pos",
    "telepon",
    "email",
    "kbli",
    "bidang_usaha",
    "omzet_bulanan",
    "tanggal_daftar",
    "status",
)
R3_FIELDS = (
    "id",
    "usaha.nama",
    "usaha.bidang",
    "usaha.nib",
    "usaha.kbli",
    "pemilik.nama",
    "pemilik.nik",
    "pemilik.hp",
    "lokasi.alamat",
    "lokasi.kelurahan",
    "lokasi.kecamatan",
    "lokasi.kode_pos",
    "terdaftar",
    "omzet_tahunan",
)
OSS_COLUMNS = (
    "nib",
    "nama_pelaku_usaha",
    "jenis_pelaku_usaha",
    "nama_usaha",
    "alamat_usaha",
    "kode_wilayah",
    "kode_pos",
    "kbli",
    "skala_usaha",
    "tanggal_terbit",
    "telepon",
    "email",
)

REGISTRY_OWNER_STYLES = {
    "full": 0.30,
    "upper": 0.33,
    "honorific_first": 0.05,
    "first_only": 0.06,
    "titled_upper": 0.04,
    "titled": 0.03,
    "first_last_initial": 0.04,
    "lower": 0.04,
    "honorific": 0.06,
    "initial_first": 0.05,
}
R2_RAGGED_TAILS = ("Blok A", "Belakang Pasar", "Dekat Masjid", "Samping SDN 1", "Depan Alfamart")
R2_SECOND_LINES = (
    "Belakang Masjid Al-Ikhlas",
    "Samping Pos Ronda",
    "Dekat Pasar",
    "Sebelah Toko Emas",
)


def sector_labels(sectors: pd.Series, rng: np.random.Generator, position: int) -> pd.Series:
    """The label a source uses for each sector (position into the SECTORS tuples)."""
    size = len(sectors)

    def label(options: tuple[str, ...] | str) -> pd.Series:
        """One label per row: drawn from the variants, or the single label."""
        if isinstance(options, tuple):
            return choose_text(rng, options, size, index=sectors.index)
        return pd.Series(options, index=sectors.index, dtype="str")

    renderings = {
        key: (lambda labels=labels: label(labels[position])) for key, labels in SECTORS.items()
    }
    return select_text(sectors.to_numpy(), renderings, sectors.index)


def _village_text(view: pd.DataFrame, rng: np.random.Generator, upper: float) -> pd.Series:
    """Village names with case variants and a few typos."""
    return noise.inject_typos(
        noise.vary_case(view["village"], rng, upper=upper, lower=0.04), rng, 0.03
    )


def _scientific_nik(nik: pd.Series) -> pd.Series:
    """A NIK as Excel shows a number that lost precision: `3.602044E+15`."""
    leading = np.round(nik.astype("float64").to_numpy() / 1e9).astype(np.int64)
    digits = pd.Series(leading, index=nik.index).astype("str")
    return digits.str.slice(0, 1) + "." + digits.str.slice(1, 7) + "E+15"


def _r1_nik(view: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """NIK as text, as a number cell, as lost-precision text, or blank."""
    style = rng.random(len(view))
    nik = view["nik"]
    number = nik.astype("float64")
    return cells.object_column(
        len(view),
        (style < 0.6, nik),
        ((style >= 0.6) & (style < 0.77), number),
        ((style >= 0.77) & (style < 0.83), _scientific_nik(nik)),
    )


def _r1_phone(view: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Phone as text in many formats, or as a number cell that lost its leading 0."""
    text = noise.format_phone(
        view["phone"],
        view["phone_other"],
        view["kab_code"],
        rng,
        {"plain": 0.5, "dashed": 0.1, "spaced": 0.1, "two": 0.08, "landline": 0.04, "blank": 0.18},
    )
    as_number = flags(rng, len(view), 0.22)
    number = view["phone"].str.slice(1).astype("float64")
    return cells.object_column(
        len(view), ((text != "").to_numpy() & ~as_number, text), (as_number, number)
    )


def _r1_nib(view: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """NIB as text or number cell when the business has one (sometimes left out)."""
    has_nib = (view["nib"] != "").to_numpy()
    style = rng.random(len(view))
    number = mask_text(view["nib"], ~has_nib, "0").astype("float64")
    return cells.object_column(
        len(view),
        (has_nib & (style < 0.55), view["nib"]),
        (has_nib & (style >= 0.55) & (style < 0.85), number),
    )


def _r1_turnover(view: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Yearly turnover as a number, as hand-typed text, or blank."""
    style = rng.random(len(view))
    amount = view["turnover"]
    return cells.object_column(
        len(view),
        (style < 0.35, amount.astype("float64")),
        ((style >= 0.35) & (style < 0.6), cells.short_amount(amount, rng)),
    )


def _r1_registered(view: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Registration date as an Excel date, as `12/03/2021` text, or blank."""
    style = rng.random(len(view))
    days = view["registered"].to_numpy()
    return cells.object_column(
        len(view),
        (style < 0.5, cells.python_dates(days)),
        ((style >= 0.5) & (style < 0.75), cells.day_first_dates(days, "/", view.index)),
    )


def render_r1(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of a Dinas Excel workbook (typed cells, None for blank)."""
    size = len(view)
    gender = mask_text(view["gender"], flags(rng, size, 0.1), "")
    columns = {
        "NO": np.full(size, None, dtype=object),
        "ID UMKM": view["key"].to_numpy(dtype=object),
        "NAMA USAHA": cells.text_or_none(
            noise.render_business_name(view, rng, legal=0.08, upper=0.55, lower=0.02)
        ),
        "NAMA PEMILIK": cells.text_or_none(noise.render_owner(view, rng, REGISTRY_OWNER_STYLES)),
        "NIK": _r1_nik(view, rng),
        "JENIS KELAMIN": cells.text_or_none(gender),
        "ALAMAT": cells.text_or_none(noise.render_address(view, rng, rt_rw_rate=0.4, upper=0.15)),
        "DESA/KELURAHAN": cells.text_or_none(_village_text(view, rng, upper=0.3)),
        "KECAMATAN": cells.text_or_none(
            noise.render_kecamatan(view["kecamatan"], rng, prefix=0.08, upper=0.45)
        ),
        "NO. HP/WA": _r1_phone(view, rng),
        "BIDANG USAHA": cells.text_or_none(sector_labels(view["sector"], rng, 0)),
        "NIB": _r1_nib(view, rng),
        "OMZET/TAHUN (Rp)": _r1_turnover(view, rng),
        "TANGGAL TERDAFTAR": _r1_registered(view, rng),
    }
    return pd.DataFrame(columns, index=view.index, dtype=object)


def _r2_rt_rw(values: pd.Series, rng: np.random.Generator) -> pd.Series:
    """RT or RW number as `004`, `04`, `4` or blank."""
    text = values.astype("str")
    style = rng.random(len(values))
    result = mask_text(text.str.zfill(3), style >= 0.4, text.str.zfill(2))
    result = mask_text(result, style >= 0.7, text)
    return mask_text(result, style >= 0.85, "")


def _r2_business_name(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Business names, a few with cp1252 characters (`D’Keripik`, `Café`)."""
    name = noise.render_business_name(view, rng, legal=0.06, upper=0.25, lower=0.05)
    size = len(view)
    name = mask_text(name, flags(rng, size, 0.006), "D’" + name)
    return mask_text(
        name.str.replace("Kedai Kopi", "Kafé Kopi", regex=False), flags(rng, size, 0.7), name
    )


def _r2_address(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Street address; a few with a line break, ragged rows with an unquoted `;`."""
    size = len(view)
    street = noise.render_street(view, rng)
    street = mask_text(street, flags(rng, size, 0.12), street + " " + noise.render_rt_rw(view, rng))
    street = noise.inject_typos(noise.vary_case(street, rng, upper=0.08, lower=0.02), rng, 0.03)
    ragged = (view["kind"] == "malformed").to_numpy()
    second_line = choose_text(rng, R2_SECOND_LINES, size, index=view.index)
    street = mask_text(street, flags(rng, size, 0.006) & ~ragged, street + "\n" + second_line)
    tail = choose_text(rng, R2_RAGGED_TAILS, size, index=view.index)
    return mask_text(street, ragged, street + "; " + tail)


def render_r2(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of a SIMUMKM CSV export (all text)."""
    owner = noise.render_owner(view, rng, REGISTRY_OWNER_STYLES)
    columns = {
        "id_umkm": view["key"],
        "nama_usaha": _r2_business_name(view, rng),
        "nama_pemilik": owner,
        "nik": noise.blank_some(view["nik"], rng, 0.08),
        "alamat": _r2_address(view, rng),
        "rt": _r2_rt_rw(view["rt"], rng),
        "rw": _r2_rt_rw(view["rw"], rng),
        "kelurahan": _village_text(view, rng, upper=0.3),
        "kecamatan": noise.render_kecamatan(view["kecamatan"], rng, prefix=0.1, upper=0.3),
        "kode_pos": noise.postal_or_blank(view, rng, 0.12),
        "telepon": noise.format_phone(
            view["phone"],
            view["phone_other"],
            view["kab_code"],
            rng,
            {
                "plain": 0.5,
                "dashed": 0.1,
                "spaced": 0.1,
                "landline": 0.04,
                "plus": 0.03,
                "blank": 0.23,
            },
        ),
        "email": noise.blank_some(view["email"], rng, 0.3),
        "kbli": noise.blank_some(view["kbli"], rng, 0.25),
        "bidang_usaha": sector_labels(view["sector"], rng, 1),
        "omzet_bulanan": noise.blank_some(
            cells.indonesian_decimal(view["turnover"] / 12), rng, 0.1
        ),
        "tanggal_daftar": cells.day_first_dates(view["registered"].to_numpy(), "/", view.index),
        "status": view["status"],
    }
    frame = pd.DataFrame(columns, index=view.index)
    frame["_ragged"] = (view["kind"] == "malformed").to_numpy()
    return frame


def _optional(
    literals: pd.Series, rng: np.random.Generator, null_rate: float, missing_rate: float
) -> pd.Series:
    """Make a JSON field `null` or missing ('' = leave the key out) for a share of the rows."""
    draw = rng.random(len(literals))
    result = mask_text(literals, draw < null_rate, "null")
    return mask_text(result, (draw >= null_rate) & (draw < null_rate + missing_rate), "")


def _r3_phones(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """The `hp` list: one number, two numbers, or empty."""
    size = len(view)
    first = noise.format_phone(
        view["phone"],
        view["phone_other"],
        view["kab_code"],
        rng,
        {"plain": 0.75, "dashed": 0.1, "intl": 0.05, "blank": 0.1},
    )
    second = where_text(view["phone_other"], flags(rng, size, 0.12) & (first != "").to_numpy(), "")
    return cells.json_string_list([first, second])


def _r3_kbli(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """The `kbli` list from the business's KBLI codes (sometimes empty)."""
    codes = view["kbli_all"]
    first = codes.str.replace(r"\|.*$", "", regex=True)
    second = codes.str.replace(r"^[^|]*\|?", "", regex=True)
    empty = flags(rng, len(view), 0.1)
    return cells.json_string_list([mask_text(first, empty, ""), mask_text(second, empty, "")])


def render_r3(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Records of the Cilegon API document as JSON literals ('' = field missing)."""
    js = cells.json_string
    name = noise.render_business_name(view, rng, legal=0.04, upper=0.1, lower=0.03)
    owner = noise.render_owner(
        view,
        rng,
        {"full": 0.6, "upper": 0.1, "honorific": 0.1, "first_only": 0.1, "initial_first": 0.1},
    )
    has_nib = (view["nib"] != "").to_numpy()
    columns = {
        "id": view["key"],
        "usaha.nama": _optional(js(name), rng, 0.01, 0.0),
        "usaha.bidang": _optional(js(sector_labels(view["sector"], rng, 2)), rng, 0.03, 0.05),
        "usaha.nib": _optional(cells.json_string_or_null(view["nib"], ~has_nib), rng, 0.0, 0.1),
        "usaha.kbli": _optional(_r3_kbli(view, rng), rng, 0.03, 0.03),
        "pemilik.nama": _optional(js(owner), rng, 0.01, 0.0),
        "pemilik.nik": _optional(js(view["nik"]), rng, 0.08, 0.04),
        "pemilik.hp": _optional(_r3_phones(view, rng), rng, 0.0, 0.03),
        "lokasi.alamat": _optional(
            js(noise.render_address(view, rng, rt_rw_rate=0.5)), rng, 0.03, 0.02
        ),
        "lokasi.kelurahan": _optional(js(_village_text(view, rng, upper=0.1)), rng, 0.03, 0.02),
        "lokasi.kecamatan": _optional(
            js(noise.render_kecamatan(view["kecamatan"], rng, upper=0.1)), rng, 0.03, 0.02
        ),
        "lokasi.kode_pos": _optional(js(view["postal_code"]), rng, 0.1, 0.05),
        "terdaftar": _optional(
            js(cells.iso_dates(view["registered"].to_numpy(), view.index)), rng, 0.05, 0.02
        ),
        "omzet_tahunan": _optional(view["turnover"].astype("str"), rng, 0.15, 0.05),
    }
    return pd.DataFrame(columns, index=view.index)


def _oss_owner_or_company(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """`nama_pelaku_usaha`: the owner for individuals, the legal entity for companies."""
    person = noise.render_owner(
        view, rng, {"upper": 0.8, "titled_upper": 0.12, "full": 0.08}, typo_rate=0.01
    )
    form = view["legal_form"].str.replace("PT Perorangan", "PT", regex=False)
    company = (form + " " + view["name"]).str.upper()
    return where_text(person, view["legal_form"] == "Orang Perseorangan", company)


def _oss_address(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Upper-case addresses with RT/RW and often `, KEL. X, KEC. Y`."""
    street = noise.render_address(view, rng, rt_rw_rate=0.75, upper=0.0, lower=0.0, typo_rate=0.02)
    suffix = ", KEL. " + view["village"] + ", KEC. " + view["kecamatan"]
    street = mask_text(street, flags(rng, len(view), 0.4), street + suffix)
    return mask_text(street, flags(rng, len(view), 0.65), street.str.upper())


def _oss_issue_dates(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.Series:
    """NIB issue dates: after both registration and OSS's 2018 launch, before the delivery."""
    earliest = np.maximum(
        view["registered"].to_numpy().astype("datetime64[D]"), np.datetime64("2018-07-01")
    )
    latest = np.datetime64(ctx.delivery_date) - np.timedelta64(1, "D")
    span = np.maximum((latest - earliest).astype(int), 1)
    issued = earliest + (rng.random(len(view)) * span).astype("timedelta64[D]")
    return cells.iso_dates(np.minimum(issued, latest), view.index)


def render_oss(view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext) -> pd.DataFrame:
    """Rows of the national OSS extract (all text, written fully quoted)."""
    size = len(view)
    individual = (view["legal_form"] == "Orang Perseorangan").to_numpy()
    business = noise.render_business_name(
        view, rng, legal=0.0, shop_add=0.02, upper=0.6, lower=0.0, typo_rate=0.05
    )
    business = mask_text(business, individual & flags(rng, size, 0.35), "")
    village = view["village_code"]
    dotted = (
        village.str.slice(0, 2)
        + "."
        + village.str.slice(2, 4)
        + "."
        + village.str.slice(4, 6)
        + "."
        + village.str.slice(6)
    )
    columns = {
        "nib": view["key"],
        "nama_pelaku_usaha": _oss_owner_or_company(view, rng),
        "jenis_pelaku_usaha": view["legal_form"],
        "nama_usaha": business,
        "alamat_usaha": _oss_address(view, rng),
        "kode_wilayah": mask_text(village, flags(rng, size, 0.5), dotted),
        "kode_pos": noise.postal_or_blank(view, rng, 0.05),
        "kbli": view["kbli_all"],
        "skala_usaha": view["size_class"],
        "tanggal_terbit": _oss_issue_dates(view, rng, ctx),
        "telepon": noise.format_phone(
            view["phone"],
            view["phone_other"],
            view["kab_code"],
            rng,
            {"plus": 0.3, "plain": 0.4, "blank": 0.3},
        ),
        "email": noise.blank_some(view["email"], rng, 0.2),
    }
    return pd.DataFrame(columns, index=view.index)
