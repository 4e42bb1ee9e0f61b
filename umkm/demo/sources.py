"""Per-source record tables: from record keys to the cells a source writes.

`build_view` joins records to their true businesses; `render_records` calls
the renderer of the source's format and blanks the names of garbage records.
The per-format tables below say which columns hold names (for garbage rows),
which columns change together when a record is edited between days, which
columns carry an open/closed status and which column holds the city.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from umkm.demo import marketplace_sources as market
from umkm.demo import registry_sources as registry
from umkm.demo.context import RenderContext
from umkm.demo.noise import garbage_names
from umkm.demo.randomness import digit_strings

Renderer = Callable[[pd.DataFrame, np.random.Generator, RenderContext], pd.DataFrame]

RENDERERS: dict[str, Renderer] = {
    "R1": registry.render_r1,
    "R2": registry.render_r2,
    "R3": registry.render_r3,
    "OSS": registry.render_oss,
    "TOKOPEDIA": market.render_tokopedia,
    "SHOPEE": market.render_shopee,
    "LAZADA": market.render_lazada,
    "BUKALAPAK": market.render_bukalapak,
    "BLIBLI": market.render_blibli,
    "BBI": market.render_bbi,
}

COLUMNS: dict[str, tuple[str, ...]] = {
    "R1": registry.R1_COLUMNS,
    "R2": registry.R2_COLUMNS,
    "R3": registry.R3_FIELDS,
    "OSS": registry.OSS_COLUMNS,
    "TOKOPEDIA": market.TOKOPEDIA_COLUMNS,
    "SHOPEE": market.SHOPEE_COLUMNS,
    "LAZADA": market.LAZADA_COLUMNS,
    "BUKALAPAK": market.BUKALAPAK_FIELDS,
    "BLIBLI": market.BLIBLI_COLUMNS,
    "BBI": market.BBI_COLUMNS,
}

NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "R1": ("NAMA USAHA", "NAMA PEMILIK"),
    "R2": ("nama_usaha", "nama_pemilik"),
    "R3": ("usaha.nama", "pemilik.nama"),
    "OSS": ("nama_pelaku_usaha", "nama_usaha"),
    "TOKOPEDIA": ("shop_name", "owner_name"),
    "SHOPEE": ("shop_name", "seller_name"),
    "LAZADA": ("Seller Name", "Shop Name"),
    "BUKALAPAK": ("store_name", "owner.name"),
    "BLIBLI": ("merchant_name", "pic_name"),
    "BBI": ("nama_toko", "nama_pemilik"),
}

SLUG_COLUMNS: dict[str, str] = {
    "TOKOPEDIA": "shop_domain",
    "SHOPEE": "username",
    "BUKALAPAK": "username",
}

MUTABLE_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "R1": {
        "name": ("NAMA USAHA",),
        "phone": ("NO. HP/WA",),
        "address": ("ALAMAT",),
        "owner": ("NAMA PEMILIK",),
    },
    "R2": {
        "name": ("nama_usaha",),
        "phone": ("telepon",),
        "address": ("alamat", "rt", "rw"),
        "owner": ("nama_pemilik",),
    },
    "R3": {
        "name": ("usaha.nama",),
        "phone": ("pemilik.hp",),
        "address": ("lokasi.alamat",),
        "owner": ("pemilik.nama",),
    },
    "OSS": {"name": ("nama_usaha",), "phone": ("telepon",), "address": ("alamat_usaha",)},
    "TOKOPEDIA": {
        "name": ("shop_name",),
        "phone": ("phone",),
        "address": ("district", "postal_code"),
        "owner": ("owner_name",),
    },
    "SHOPEE": {"name": ("shop_name",), "phone": ("phone",), "address": ("shop_location",)},
    "LAZADA": {
        "name": ("Shop Name",),
        "phone": ("Contact Number",),
        "address": ("Pickup Address",),
    },
    "BUKALAPAK": {
        "name": ("store_name",),
        "phone": ("owner.phone",),
        "address": ("address.street",),
    },
    "BLIBLI": {"name": ("merchant_name",), "phone": ("pic_phone",), "address": ("address",)},
    "BBI": {
        "name": ("nama_toko",),
        "phone": ("no_hp",),
        "address": ("alamat",),
        "owner": ("nama_pemilik",),
    },
}

STATUS_COLUMNS: dict[str, tuple[str, ...]] = {
    "R2": ("status",),
    "TOKOPEDIA": ("is_active",),
    "LAZADA": ("Status",),
    "BUKALAPAK": ("closed",),
}

CITY_COLUMNS: dict[str, str] = {
    "TOKOPEDIA": "city",
    "SHOPEE": "shop_location",
    "LAZADA": "City",
    "BUKALAPAK": "address.city",
    "BLIBLI": "city",
    "BBI": "kota_kabupaten",
}

JSON_FORMATS = ("R3", "BUKALAPAK")
TYPED_FORMATS = ("R1", "LAZADA")
VIEW_RECORD_COLUMNS = ("key", "shop_no", "kind", "created_day", "source")


def build_view(population: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """One row per record: the true business's attributes plus the record's key and kind."""
    view = population.iloc[records["business_idx"].to_numpy()]
    view.index = records.index
    for column in VIEW_RECORD_COLUMNS:
        if column in records:
            view[column] = records[column].to_numpy()
    view["key"] = view["key"].astype("str")
    return view


def _garbage_cells(fmt: str, rng: np.random.Generator, index: pd.Index) -> pd.Series | np.ndarray:
    """Name placeholders in the cell representation of the format."""
    text = garbage_names(rng, index)
    if fmt in TYPED_FORMATS:
        return np.where(text.to_numpy() == "", None, text.to_numpy(dtype=object))
    if fmt in JSON_FORMATS:
        literal = '"' + text + '"'
        return (
            literal.mask((text == "").to_numpy() & (rng.random(len(text)) < 0.5), "null")
            if fmt == "R3"
            else literal
        )
    return text


def blank_garbage_names(
    fmt: str, cells: pd.DataFrame, nameless: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Replace business and owner names of nameless records by blanks/`-`/`N/A`."""
    if not nameless.any():
        return cells
    cells = cells.copy()
    rows = cells.index[nameless]
    for column in NAME_COLUMNS[fmt]:
        cells.loc[rows, column] = _garbage_cells(fmt, rng, rows)
    if fmt in SLUG_COLUMNS:
        slug = "user" + digit_strings(rng, len(rows), 7).to_numpy()
        cells.loc[rows, SLUG_COLUMNS[fmt]] = ('"' + slug + '"') if fmt in JSON_FORMATS else slug
    return cells


def render_records(
    view: pd.DataFrame, rng: np.random.Generator, ctx: RenderContext
) -> pd.DataFrame:
    """Cells of one source for the given records (in the view's order)."""
    fmt = ctx.spec.fmt
    cells = RENDERERS[fmt](view, rng, ctx)
    return blank_garbage_names(fmt, cells, (view["kind"] == "no_usable_name").to_numpy(), rng)
