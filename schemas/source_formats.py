"""Pandera schemas of the raw source formats, one per format of the landing contract.

They run on the readers' text tables (every cell text) and decide which rows are readable
records: the record key is present and has the format's shape, the row was read whole (no
ragged CSV row, no broken JSON line), and the columns whose values the contract enumerates
hold one of them. Rows that fail go to quarantine as ``malformed`` with the failed checks as
details. Validation is lazy so that one run reports every failing row.
"""

from __future__ import annotations

import functools

import pandera.pandas as pa

from schemas.catalog import FORMATS, FormatSpec

#: columns whose values the landing contract enumerates (blank allowed where it says so)
ALLOWED_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "R1": {"JENIS KELAMIN": ("L", "P", "")},
    "R2": {"status": ("AKTIF", "TIDAK AKTIF", "TUTUP", "")},
    "TOKOPEDIA": {
        "is_active": ("true", "false"),
        "merchant_tier": ("regular", "power_merchant", "official_store", ""),
    },
    "LAZADA": {"Status": ("Active", "Inactive", "Suspended", "")},
    "BUKALAPAK": {"$.closed": ("true", "false", "")},
    "BLIBLI": {"business_type": ("Individual", "Company", "")},
}


def _text_column(checks: list[pa.Check] | None = None) -> pa.Column:
    return pa.Column(str, checks=checks or [], nullable=False, coerce=True)


@functools.cache
def raw_schema(format_name: str) -> pa.DataFrameSchema:
    """The pandera schema of one raw format (built once per process)."""
    fmt: FormatSpec = FORMATS[format_name]
    columns = {c: _text_column() for c in (*fmt.columns, *fmt.mapping)}
    columns[fmt.record_key] = _text_column(
        [
            pa.Check.str_matches(
                fmt.record_key_pattern,
                name="record_key_shape",
                error=f"record key must match {fmt.record_key_pattern}",
            ),
        ]
    )
    for column, allowed in ALLOWED_VALUES.get(fmt.name, {}).items():
        columns[column] = _text_column(
            [
                pa.Check.isin(allowed, name="allowed_value", error=f"one of {list(allowed)}"),
            ]
        )
    columns["_parse_error"] = _text_column(
        [
            pa.Check(
                lambda s: s == "",
                element_wise=False,
                name="row_read_whole",
                error="the row could not be read whole",
            ),
        ]
    )
    return pa.DataFrameSchema(columns, name=f"raw_{fmt.name}", strict=False, coerce=True)
