"""Pandera models of the curated tables BI tools read: the blocking contract of
``curated.umkm`` and ``curated.umkm_source_record`` that ``umkm.audit`` checks before anything
is published.

The models validate the DataFrames as built (extra columns are allowed, so that adding an
attribute is not a breaking change); they check keys, region codes, identifier shapes, the
keyed hashes and that flags agree with the columns they summarise. ``PERSONAL_COLUMNS`` are
names that must never appear in the curated schema.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.canonical import KAB_CODES
from schemas.catalog import SOURCES

#: columns of personal data (UU 27/2022) that belong in ``restricted`` only
PERSONAL_COLUMNS = frozenset({
    "nik", "owner_nik", "owner_name", "owner_name_norm", "phone", "phone_e164",
    "phone_e164_alt", "email", "address",
})
#: an HMAC-SHA256 in hex
KEYED_HASH = r"^[0-9a-f]{64}$"


class CuratedUmkm(pa.DataFrameModel):
    """``curated.umkm``: one row per business, no personal data in the clear."""

    umkm_id: Series[str] = pa.Field(nullable=False, unique=True, str_length={"min_value": 1})
    business_name: Series[str] = pa.Field(nullable=True)
    kab_code: Series[str] = pa.Field(nullable=True, isin=KAB_CODES)
    kecamatan_code: Series[str] = pa.Field(nullable=True, str_matches=r"^36\d{4}$")
    kbli: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{5}$")
    nib: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{13}$")
    is_registered: Series[bool] = pa.Field(nullable=False)
    sells_online: Series[bool] = pa.Field(nullable=False)
    platform_count: Series[int] = pa.Field(nullable=False, ge=0)
    source_record_count: Series[int] = pa.Field(nullable=False, ge=1)
    owner_nik_hash: Series[str] = pa.Field(nullable=True, str_matches=KEYED_HASH)
    owner_phone_hash: Series[str] = pa.Field(nullable=True, str_matches=KEYED_HASH)

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
        strict = False


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
