"""Pandera models of the curated tables BI tools read: the blocking contract of
``curated.umkm`` and ``curated.umkm_source_record`` that ``umkm.publish.audit`` checks before anything
is published.

``CuratedUmkm`` is the one declaration of ``curated.umkm``'s columns, their order and their
descriptions (the warehouse comments and the UI's column schema read them). The models check
keys, region codes, identifier shapes and that flags agree with the columns they summarise.
``PERSONAL_COLUMNS`` are names that must never appear in the curated schema.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

from schemas.canonical import KAB_CODES
from schemas.catalog import SOURCES

#: what the views and summaries say where the sources cannot tell (no kabupaten/kota, no
#: sector, no size class ...), instead of a silent NULL
UNKNOWN_LABEL = "(tidak diketahui)"

#: a calendar date (Arrow ``date32``: ``date`` in DuckDB and PostgreSQL)
Date = Annotated[pd.ArrowDtype, pyarrow.date32()]

#: columns of personal data (UU 27/2022), and pseudonyms of it (keyed hashes are personal
#: data too), that belong in ``restricted`` only
PERSONAL_COLUMNS = frozenset(
    {
        "nik",
        "owner_nik",
        "owner_name",
        "owner_name_norm",
        "phone",
        "phone_e164",
        "phone_e164_alt",
        "email",
        "address",
        "owner_nik_hash",
        "owner_phone_hash",
    }
)


def _described(description: str, **checks: Any) -> Any:
    return pa.Field(description=description, **checks)


class CuratedUmkm(pa.DataFrameModel):
    """``curated.umkm``: one row per business, no personal data, no pseudonyms.

    The single declaration of the table's columns, their order and their descriptions: the
    publication selects these columns, the warehouse comments and the UI's column schema are
    these descriptions."""

    umkm_id: Series[str] = _described(
        "Persistent id of the business, stable across nightly runs",
        nullable=False,
        unique=True,
        str_length={"min_value": 1},
    )
    business_name: Series[str] = _described(
        "Business name from the most trusted source record", nullable=True
    )
    kab_code: Series[str] = _described(
        "Kabupaten/kota code (Kemendagri, 4 digits, Banten = 36xx); null when no source "
        "says where the business is",
        nullable=True,
        isin=KAB_CODES,
    )
    kab_name: Series[str] = _described("Kabupaten/kota name", nullable=True)
    kecamatan_code: Series[str] = _described(
        "Kecamatan code (6 digits)", nullable=True, str_matches=r"^36\d{4}$"
    )
    kecamatan_name: Series[str] = _described("Kecamatan name", nullable=True)
    kbli: Series[str] = _described(
        "KBLI 2020 business classification (5 digits); null when no source gives one",
        nullable=True,
        str_matches=r"^\d{5}$",
    )
    kbli_section: Series[str] = _described(
        "KBLI 2020 section (A-U) of the KBLI code; null without a KBLI code",
        nullable=True,
        str_matches=r"^[A-U]$",
    )
    kbli_section_name: Series[str] = _described("Name of the KBLI 2020 section", nullable=True)
    sector: Series[str] = _described(
        "Sector in the register's vocabulary (umkm/standardise/sectors.py: Makanan & Minuman, Fashion & "
        "Tekstil, Kerajinan, Perdagangan, Jasa, ...; Lainnya for other categories), from the "
        "source's category, else from the KBLI section; null when neither is known",
        nullable=True,
    )
    category: Series[str] = _described(
        "The business category as the most trusted source wrote it (BIDANG USAHA, kategori)",
        nullable=True,
    )
    size_class: Series[str] = _described(
        "Size class of PP 7/2021 (Usaha Mikro / Kecil / Menengah / Besar), from OSS or the "
        "yearly turnover; null when neither is known",
        nullable=True,
    )
    nib: Series[str] = _described(
        "Nomor Induk Berusaha (13 digits) from OSS or a registry; null when unregistered",
        nullable=True,
        str_matches=r"^\d{13}$",
    )
    nib_issued_on: Series[Date] = _described(
        "Date OSS issued the NIB (tanggal_terbit); null when OSS does not list the business",
        nullable=True,
    )
    is_registered: Series[bool] = _described("True when the business has a NIB", nullable=False)
    in_regional_registry: Series[bool] = _described(
        "True when a regional Dinas Koperasi dan UKM registry lists it", nullable=False
    )
    in_oss: Series[bool] = _described(
        "True when the national OSS licence extract lists it", nullable=False
    )
    sells_online: Series[bool] = _described(
        "True when at least one marketplace lists it", nullable=False
    )
    platforms: Series[str] = _described(
        "Comma-separated marketplaces it sells on, for display (filter by platform through "
        "curated.v_umkm_platforms)",
        nullable=True,
    )
    platform_count: Series[int] = _described(
        "Number of marketplaces it sells on", nullable=False, ge=0
    )
    sources: Series[str] = _described(
        "Comma-separated sources that list it, for display (filter through curated.v_umkm_sources)",
        nullable=True,
    )
    source_record_count: Series[int] = _described(
        "Number of accepted source records linked to it", nullable=False, ge=1
    )
    is_active: Series[pd.BooleanDtype] = _described(
        "Whether the most trusted source reports it as active; null when no source says",
        nullable=True,
    )
    registered_on: Series[Date] = _described(
        "Date of enrolment in a regional Dinas Koperasi dan UKM registry (not the NIB: see "
        "nib_issued_on); null when no registry lists it",
        nullable=True,
    )
    first_seen: Series[Date] = _described(
        "Earliest delivery date of its records in the register", nullable=True
    )
    last_seen: Series[Date] = _described(
        "Latest delivery date of its records in the register", nullable=True
    )

    @pa.dataframe_check(name="is_registered means a NIB")
    def registered_has_nib(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["is_registered"].astype(bool) == frame["nib"].notna()

    @pa.dataframe_check(name="sells_online means a platform")
    def online_has_platform(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["sells_online"].astype(bool) == (frame["platform_count"] > 0)

    @pa.dataframe_check(name="no personal data columns", element_wise=False)
    def no_personal_columns(cls, frame: pd.DataFrame) -> bool:
        return not (PERSONAL_COLUMNS & set(frame.columns))

    class Config:
        coerce = True
        strict = True


def column_descriptions(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """Each column of a model and its description, in the model's order."""
    return {name: column.description or "" for name, column in model.to_schema().columns.items()}


class CuratedSourceRecord(pa.DataFrameModel):
    """``curated.umkm_source_record``: every accepted record, linked to exactly one business."""

    source: Series[str] = pa.Field(nullable=False, isin=tuple(s.key for s in SOURCES))
    source_record_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    umkm_id: Series[str] = pa.Field(nullable=False)
    match_confidence: Series[float] = pa.Field(nullable=True, ge=0, le=1)

    @pa.dataframe_check(name="no personal data columns", element_wise=False)
    def no_personal_columns(cls, frame: pd.DataFrame) -> bool:
        return not (PERSONAL_COLUMNS & set(frame.columns))

    class Config:
        coerce = True
        strict = False
        unique = ["source", "source_record_id"]


#: the pandera model of each curated table the audit validates
CURATED_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "curated.umkm": CuratedUmkm,
    "curated.umkm_source_record": CuratedSourceRecord,
}
