"""Golden records: one row per business, each attribute taken from the most trusted record.

Survivorship, per attribute (completeness first): among the business's records that have a
value, the one from the most trusted source wins (``SourceSpec.trust_rank``: OSS, then the regional registries,
then the marketplaces), ties broken by the newest snapshot. Aggregates (sources, platforms,
first and last seen) are taken over all records. The record each attribute came from is kept
(``attribute_provenance``). Computed in DuckDB, one GROUP BY.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.catalog import SOURCES_BY_KEY
from umkm.duckdb_settings import DuckDBSettings

#: attributes chosen by survivorship
SURVIVING_FIELDS = (
    "business_name", "kab_code", "kab_name", "kecamatan_code", "kecamatan_name", "kbli",
    "sector", "size_class", "legal_form", "nib", "npwp", "nik", "is_active", "registered_on",
    "turnover_yearly",
)
PROVENANCE_SUFFIX = "__from"
#: yearly turnover limits of the size classes of PP 7/2021 (Rupiah)
SIZE_LIMITS = ((2e9, "Usaha Mikro"), (15e9, "Usaha Kecil"), (50e9, "Usaha Menengah"))


def golden_records(records: pd.DataFrame,
                   duckdb_settings: DuckDBSettings | None = None) -> pd.DataFrame:
    """Golden record per ``umkm_id`` of the linked canonical records (DuckDB within
    ``duckdb_settings``' limits)."""
    frame = records[["umkm_id", "source", "source_record_id", "platform", "snapshot_date",
                     *SURVIVING_FIELDS]]
    trust = frame["source"].map({k: s.trust_rank for k, s in SOURCES_BY_KEY.items()}).fillna(99)
    kinds = frame["source"].map({k: s.kind for k, s in SOURCES_BY_KEY.items()})
    days = (frame["snapshot_date"] - pd.Timestamp("2000-01-01")).dt.days.fillna(0)
    frame["priority"] = trust.astype("int64") * 100_000 - days.astype("int64")
    frame["kind"] = kinds
    chosen = ",\n".join(
        f"arg_min({f}, priority) FILTER (WHERE {f} IS NOT NULL) AS {f}, "
        f"arg_min(source || ':' || source_record_id, priority) FILTER (WHERE {f} IS NOT NULL) "
        f"AS {f}{PROVENANCE_SUFFIX}"
        for f in SURVIVING_FIELDS
    )
    with (duckdb_settings or DuckDBSettings.for_this_machine()).connection() as con:
        con.register("records", frame)
        golden = con.execute(f"""
            SELECT umkm_id,
                   {chosen},
                   string_agg(DISTINCT source, ',' ORDER BY source) AS sources,
                   coalesce(string_agg(DISTINCT platform, ',' ORDER BY platform), '') AS platforms,
                   count(DISTINCT platform) AS platform_count,
                   count(*) AS source_record_count,
                   bool_or(kind = 'registry') AS in_regional_registry,
                   bool_or(kind = 'oss') AS in_oss,
                   min(snapshot_date) AS first_seen,
                   max(snapshot_date) AS last_seen
            FROM records GROUP BY umkm_id ORDER BY umkm_id
        """).df()
    golden["size_class"] = golden["size_class"].fillna(size_class_from_turnover(golden["turnover_yearly"]))
    golden["is_registered"] = golden["nib"].notna()
    golden["sells_online"] = golden["platform_count"] > 0
    return golden


def attribute_provenance(golden: pd.DataFrame) -> pd.DataFrame:
    """Which record each golden attribute came from: umkm_id, attribute, source_record
    (``source:source_record_id``); attributes without a value are left out."""
    columns = [f + PROVENANCE_SUFFIX for f in SURVIVING_FIELDS]
    long = golden[["umkm_id", *columns]].melt(id_vars="umkm_id", var_name="attribute",
                                              value_name="source_record")
    long["attribute"] = long["attribute"].str.removesuffix(PROVENANCE_SUFFIX)
    return long.dropna(subset=["source_record"]).reset_index(drop=True)


def size_class_from_turnover(turnover: pd.Series) -> pd.Series:
    """Size class of PP 7/2021 from yearly turnover; NA where turnover is unknown."""
    values = pd.to_numeric(turnover, errors="coerce")
    conditions = [values <= limit for limit, _ in SIZE_LIMITS] + [values > SIZE_LIMITS[-1][0]]
    labels = [label for _, label in SIZE_LIMITS] + ["Usaha Besar"]
    classes = np.select([c.fillna(False).to_numpy(dtype=bool) for c in conditions], labels,
                        default="")
    return pd.Series(classes, index=turnover.index).replace("", pd.NA)
