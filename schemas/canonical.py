"""The canonical record: one accepted source record after standardisation.

Every source, whatever its format, is standardised to this layout before matching. Personal
data (owner name, NIK, phone, e-mail, address) is still in the clear here; it never leaves
for the curated schema except as keyed hashes (see ``umkm.publish.privacy``).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

KAB_CODES = ("3601", "3602", "3603", "3604", "3671", "3672", "3673", "3674")


class CanonicalRecord(pa.DataFrameModel):
    """One accepted, standardised source record."""

    source: Series[str] = pa.Field(nullable=False)
    source_record_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    snapshot_date: Series[pa.DateTime] = pa.Field(nullable=False)
    platform: Series[str] = pa.Field(nullable=True)
    business_name: Series[str] = pa.Field(nullable=True)
    business_name_norm: Series[str] = pa.Field(nullable=True)
    owner_name: Series[str] = pa.Field(nullable=True)
    owner_name_norm: Series[str] = pa.Field(nullable=True)
    shop_slug: Series[str] = pa.Field(nullable=True)
    nik: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{16}$")
    nik_issue: Series[str] = pa.Field(nullable=True)
    nib: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{13}$")
    npwp: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{15,16}$")
    phone_e164: Series[str] = pa.Field(nullable=True, str_matches=r"^\+62\d{7,13}$")
    phone_e164_alt: Series[str] = pa.Field(nullable=True, str_matches=r"^\+62\d{7,13}$")
    phone_masked: Series[bool] = pa.Field(nullable=False)
    email: Series[str] = pa.Field(nullable=True, str_contains="@")
    address: Series[str] = pa.Field(nullable=True)
    kelurahan: Series[str] = pa.Field(nullable=True)
    kab_code: Series[str] = pa.Field(nullable=True, isin=KAB_CODES)
    kab_name: Series[str] = pa.Field(nullable=True)
    kecamatan_code: Series[str] = pa.Field(nullable=True, str_matches=r"^36\d{4}$")
    kecamatan_name: Series[str] = pa.Field(nullable=True)
    postal_code: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{5}$")
    region_scope: Series[str] = pa.Field(isin=("banten", "unknown"))
    kbli: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{5}$")
    category: Series[str] = pa.Field(nullable=True)
    size_class: Series[str] = pa.Field(nullable=True)
    legal_form: Series[str] = pa.Field(nullable=True)
    turnover_yearly: Series[pd.Float64Dtype] = pa.Field(nullable=True, ge=0)
    registered_on: Series[pa.DateTime] = pa.Field(nullable=True)
    is_active: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    product_count: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    #: the raw text of fields no standardiser understood, as a JSON object (restricted only)
    unparsed: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = "filter"
        coerce = True
