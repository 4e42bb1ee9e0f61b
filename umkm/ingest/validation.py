"""Validation and quarantine: which rows of a source snapshot become records, and why not.

Every row read from a source file ends in exactly one of two places: accepted (and then
standardised and matched) or quarantined with one stable reason:

- ``malformed``: the row was not read whole or fails the format's pandera schema
  (no or misshapen record key, a value outside the contract's set);
- ``duplicate_key``: its record key already occurred earlier in the same snapshot;
- ``no_usable_name``: neither a business name nor an owner name;
- ``out_of_scope``: the seller lies outside Banten.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas.catalog import FormatSpec, SourceSpec
from schemas.source_formats import raw_schema
from umkm.ingest.readers import PARSE_ERROR

REASONS = ("malformed", "duplicate_key", "no_usable_name", "out_of_scope")

QUARANTINE_COLUMNS = ["row_position", "reason", "details"]


def schema_failures(raw: pd.DataFrame, fmt: FormatSpec) -> pd.DataFrame:
    """Rows of ``raw`` that fail the format's pandera schema: row position, reason, details."""
    try:
        raw_schema(fmt.name).validate(raw, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        row_cases = cases[cases["index"].notna()].copy()
        table_cases = cases[cases["index"].isna()]
        if len(table_cases):
            raise ValueError(
                f"format {fmt.name}: table-level schema failure: "
                f"{table_cases[['column', 'check']].to_dict('records')}"
            ) from errors
        row_cases["detail"] = row_cases["column"].astype(str) + ": " + _check_text(row_cases)
        grouped = row_cases.groupby("index")["detail"].agg(
            lambda details: "; ".join(sorted(set(details)))
        )
        return pd.DataFrame(
            {
                "row_position": grouped.index.astype(int),
                "reason": "malformed",
                "details": grouped.to_numpy(),
            }
        )
    return pd.DataFrame(columns=QUARANTINE_COLUMNS)


def _check_text(cases: pd.DataFrame) -> pd.Series:
    check = cases["check"].astype(str)
    failure = cases["failure_case"].astype(str).str.slice(0, 60)
    return check.where(cases["column"] != PARSE_ERROR, failure)


def duplicate_keys(keys: pd.Series) -> pd.DataFrame:
    """Rows whose record key occurred earlier in the snapshot (the first occurrence stays)."""
    repeated = keys.duplicated(keep="first") & (keys != "")
    return pd.DataFrame(
        {
            "row_position": keys.index[repeated].astype(int),
            "reason": "duplicate_key",
            "details": "record key "
            + keys[repeated].astype(str)
            + " occurred earlier in this snapshot",
        }
    )


def raw_columns(spec: SourceSpec, *fields: str) -> str:
    """The source's own column names (JSON paths) that the given record fields come from."""
    names = [raw for raw, mapped in spec.format.mapping.items() if mapped in fields]
    return " / ".join(names) or "/".join(fields)


def unusable_records(records: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    """Standardised records with no usable name, or outside Banten (row position kept)."""
    no_name = records["business_name"].isna() & records["owner_name"].isna()
    outside = (records["region_scope"] == "outside") & ~no_name
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "row_position": records.index[no_name].astype(int),
                    "reason": "no_usable_name",
                    "details": "no usable business or owner name in "
                    + raw_columns(spec, "business_name", "owner_name"),
                }
            ),
            pd.DataFrame(
                {
                    "row_position": records.index[outside].astype(int),
                    "reason": "out_of_scope",
                    "details": "location outside Banten: "
                    + records.loc[outside, "region_evidence"],
                }
            ),
        ],
        ignore_index=True,
    )
