"""Golden records: one row per business, each attribute taken from the most trusted record.

Survivorship, per attribute (completeness first): among the business's records that have a
value, the one from the most trusted source wins (``SourceSpec.trust_rank``: OSS, then the
regional registries, then the marketplaces), ties broken by the newest snapshot, then by the record (source and record key, so the same
records always give the same golden record). Two dates
come from one kind of source only: ``registered_on`` is the enrolment in a regional registry,
``nib_issued_on`` the date OSS issued the NIB. Aggregates (sources, platforms, first and last
seen) are taken over all records; calendar dates are ``date``. The KBLI section and the
sector come from ``umkm.standardise.sectors``. The record each attribute came from is kept
(``attribute_provenance``). The records are put in survivorship order once (a sort), and
each attribute is the first record with a value per business (vectorised); the aggregates
are one GROUP BY in DuckDB.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from schemas.catalog import SOURCES_BY_KEY
from umkm.duckdb_settings import DuckDBSettings
from umkm.standardise.sectors import kbli_sections, sectors

#: attributes chosen by survivorship: golden attribute -> (record field, the kind of source
#: whose records give it; None: any)
SURVIVING_FIELDS: dict[str, tuple[str, str | None]] = {
    **{
        field: (field, None)
        for field in (
            "business_name",
            "kab_code",
            "kab_name",
            "kecamatan_code",
            "kecamatan_name",
            "kbli",
            "category",
            "size_class",
            "legal_form",
            "nib",
            "npwp",
            "nik",
            "is_active",
            "turnover_yearly",
        )
    },
    "registered_on": ("registered_on", "registry"),  # enrolment in a registry
    "nib_issued_on": ("registered_on", "oss"),  # OSS tanggal_terbit
}
PROVENANCE_SUFFIX = "__from"
#: golden columns that are calendar dates
DATE_COLUMNS = ("registered_on", "nib_issued_on", "first_seen", "last_seen")
#: the trust rank of a source the catalog does not know: after every source it knows
UNKNOWN_TRUST_RANK = 99
#: the day the snapshot dates are counted from in ``survivorship_priority``
_EPOCH = pd.Timestamp("2000-01-01")
#: priority steps of one trust rank: more than the days between any two snapshot dates, so
#: that trust always comes before the snapshot's age
_DAYS_PER_TRUST_RANK = 100_000
#: yearly turnover limits of the size classes of PP 7/2021 (Rupiah)
SIZE_LIMITS = ((2e9, "Usaha Mikro"), (15e9, "Usaha Kecil"), (50e9, "Usaha Menengah"))


def golden_records(
    records: pd.DataFrame, duckdb_settings: DuckDBSettings | None = None
) -> pd.DataFrame:
    """Golden record per ``umkm_id`` of the linked canonical records (DuckDB within
    ``duckdb_settings``' limits for the aggregates), ordered by ``umkm_id``."""
    fields = sorted({field for field, _ in SURVIVING_FIELDS.values()})
    frame = records[
        ["umkm_id", "source", "source_record_id", "platform", "snapshot_date", *fields]
    ].reset_index(drop=True)
    kinds = frame["source"].map({k: s.kind for k, s in SOURCES_BY_KEY.items()})
    business, umkm_ids = pd.factorize(frame["umkm_id"], sort=True)
    # the records in survivorship order: by business, the most trusted and newest first, then
    # by record (so that two records alike in trust and age always give the same one)
    source_code = pd.factorize(frame["source"], sort=True)[0]
    record_code = pd.factorize(frame["source_record_id"], sort=True)[0]
    order = np.lexsort(
        (record_code, source_code, survivorship_priority(frame).to_numpy(), business)
    )
    in_order = business[order]
    golden = pd.DataFrame({"umkm_id": umkm_ids})
    for name, (field, kind) in SURVIVING_FIELDS.items():
        usable = frame[field].notna().to_numpy().copy()
        if kind is not None:
            usable &= (kinds == kind).to_numpy()
        usable = usable[order]
        rows, groups = order[usable], in_order[usable]
        first = np.ones(len(groups), dtype=bool)
        first[1:] = groups[1:] != groups[:-1]
        # per business, the row of its first usable record (-1: none has a value)
        chosen = np.full(len(umkm_ids), -1, dtype=np.int64)
        chosen[groups[first]] = rows[first]
        golden[name] = frame[field].array.take(chosen, allow_fill=True)
        golden[f"{name}{PROVENANCE_SUFFIX}_source"] = frame["source"].array.take(
            chosen, allow_fill=True
        )
        golden[f"{name}{PROVENANCE_SUFFIX}_id"] = frame["source_record_id"].array.take(
            chosen, allow_fill=True
        )
    golden = golden.join(_aggregates(frame, business, kinds, duckdb_settings))
    golden["size_class"] = golden["size_class"].fillna(
        size_class_from_turnover(golden["turnover_yearly"])
    )
    golden["is_active"] = golden["is_active"].astype("boolean")
    golden["turnover_yearly"] = golden["turnover_yearly"].astype("float64")
    golden["is_registered"] = golden["nib"].notna()
    golden["sells_online"] = golden["platform_count"] > 0
    golden = golden.join(kbli_sections(golden["kbli"]))
    golden["sector"] = sectors(golden["category"], golden["kbli_section"])
    for column in DATE_COLUMNS:
        golden[column] = as_dates(golden[column])
    return golden


def _aggregates(
    frame: pd.DataFrame,
    business: np.ndarray,
    kinds: pd.Series,
    duckdb_settings: DuckDBSettings | None,
) -> pd.DataFrame:
    """Per business (by its position in ``umkm_id`` order): its sources and platforms, how
    many records it has, whether a registry or OSS knows it, and when it was first and last
    seen."""
    parts = pd.DataFrame(
        {
            "business": business,
            "source": frame["source"],
            "platform": frame["platform"],
            "kind": kinds,
            "snapshot_date": frame["snapshot_date"],
        }
    )
    with (duckdb_settings or DuckDBSettings.for_this_machine()).connection() as con:
        con.register("parts", parts)
        return (
            con.execute("""
            SELECT business,
                   string_agg(DISTINCT source, ',' ORDER BY source) AS sources,
                   coalesce(string_agg(DISTINCT platform, ',' ORDER BY platform), '') AS platforms,
                   count(DISTINCT platform) AS platform_count,
                   count(*) AS source_record_count,
                   bool_or(kind = 'registry') AS in_regional_registry,
                   bool_or(kind = 'oss') AS in_oss,
                   min(snapshot_date) AS first_seen,
                   max(snapshot_date) AS last_seen
            FROM parts GROUP BY business ORDER BY business""")
            .df()
            .set_index("business")
        )


def survivorship_priority(records: pd.DataFrame) -> pd.Series:
    """The order in which a business's records give their values, lowest first: the most
    trusted source (``SourceSpec.trust_rank``), then the newest snapshot. The one rule of
    survivorship, for the golden attributes and for the business's phone
    (``umkm.publish.tables.business_phones``)."""
    trust = records["source"].map({k: s.trust_rank for k, s in SOURCES_BY_KEY.items()})
    days = (records["snapshot_date"] - _EPOCH).dt.days.fillna(0)
    return trust.fillna(UNKNOWN_TRUST_RANK).astype("int64") * _DAYS_PER_TRUST_RANK - days.astype(
        "int64"
    )


def as_dates(values: pd.Series) -> pd.Series:
    """Timestamps as calendar dates (Arrow ``date32``: a ``date`` in DuckDB and PostgreSQL)."""
    return pd.to_datetime(values).dt.date.astype(pd.ArrowDtype(pa.date32()))


def attribute_provenance(golden: pd.DataFrame) -> pd.DataFrame:
    """Which record each golden attribute came from: umkm_id, attribute, source,
    source_record_id (the key of ``curated.umkm_source_record``); attributes without a value
    are left out."""
    parts = [
        pd.DataFrame(
            {
                "umkm_id": golden["umkm_id"],
                "attribute": name,
                "source": golden[f"{name}{PROVENANCE_SUFFIX}_source"],
                "source_record_id": golden[f"{name}{PROVENANCE_SUFFIX}_id"],
            }
        )
        for name in SURVIVING_FIELDS
    ]
    long = pd.concat(parts, ignore_index=True)
    return long.dropna(subset=["source"]).sort_values(["umkm_id", "attribute"], ignore_index=True)


def size_class_from_turnover(turnover: pd.Series) -> pd.Series:
    """Size class of PP 7/2021 from yearly turnover; NA where turnover is unknown."""
    values = pd.to_numeric(turnover, errors="coerce")
    conditions = [values <= limit for limit, _ in SIZE_LIMITS] + [values > SIZE_LIMITS[-1][0]]
    labels = [label for _, label in SIZE_LIMITS] + ["Usaha Besar"]
    classes = np.select(
        [c.fillna(False).to_numpy(dtype=bool) for c in conditions], labels, default=""
    )
    return pd.Series(classes, index=turnover.index).replace("", pd.NA)
