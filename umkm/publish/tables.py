"""The warehouse tables of the output contract, built from one run's results.

``curated`` holds no personal data and no pseudonyms of it: the keyed hashes of the owner's
NIK and the business's phone live in ``restricted.umkm_owner_key``, and owners are counted
in the aggregate ``curated.umkm_owner_summary``. ``restricted`` holds the personal data and
the raw quarantined rows; ``quality`` holds the quarantine, the delivery log and the run
metrics. Calendar dates are ``date``; record references are ``(source, source_record_id)``.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from schemas.canonical import CanonicalRecord
from schemas.curated import UNKNOWN_LABEL, CuratedUmkm, column_descriptions
from umkm.ingest.validation import REASONS
from umkm.publish.privacy import keyed_hash
from umkm.resolution.golden import as_dates, survivorship_priority

#: the columns of ``curated.umkm``, in order: those of its pandera model
UMKM_COLUMNS = list(column_descriptions(CuratedUmkm))


def curated_umkm(golden: pd.DataFrame) -> pd.DataFrame:
    """``curated.umkm``: the golden records' BI columns (no personal data, no pseudonyms)."""
    return golden[UMKM_COLUMNS]


def owner_keys(golden: pd.DataFrame, pii_key: bytes, records: pd.DataFrame) -> pd.DataFrame:
    """``restricted.umkm_owner_key``: per business, the keyed hashes (HMAC-SHA256 under the
    warehouse secret) of its owner's NIK and of its phone (that of its most trusted record
    with one, ``business_phones``). Pseudonyms are personal data: restricted only."""
    phones = golden["umkm_id"].map(business_phones(records))
    return pd.DataFrame(
        {
            "umkm_id": golden["umkm_id"],
            "owner_nik_hash": keyed_hash(golden["nik"], pii_key),
            "owner_phone_hash": keyed_hash(phones, pii_key),
        }
    )


def owner_summary(golden: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """``curated.umkm_owner_summary``: per kabupaten/kota (and for all Banten), how many
    businesses have a known owner (a valid NIK), how many owners they have, and how many of
    those owners run more than one business: owners counted without naming them."""
    frame = golden[["kab_code", "kab_name"]].assign(owner=keys["owner_nik_hash"].to_numpy())
    frame["kab_code"] = frame["kab_code"].fillna(UNKNOWN_LABEL)
    frame["kab_name"] = frame["kab_name"].fillna(UNKNOWN_LABEL)
    whole = frame.assign(kab_code=ALL_BANTEN, kab_name="Banten")
    parts = []
    for part in (frame, whole):
        per_owner = (
            part.dropna(subset=["owner"])
            .groupby(["kab_code", "kab_name", "owner"])
            .size()
            .rename("n")
            .reset_index()
        )
        parts.append(
            part.groupby(["kab_code", "kab_name"])
            .size()
            .rename("businesses")
            .to_frame()
            .join(
                per_owner.groupby(["kab_code", "kab_name"]).agg(
                    businesses_with_known_owner=("n", "sum"),
                    owners=("n", "size"),
                    owners_of_several_businesses=("n", lambda n: int((n > 1).sum())),
                )
            )
        )
    summary = pd.concat(parts).fillna(0).reset_index()
    counts = [c for c in summary.columns if c not in ("kab_code", "kab_name")]
    return summary.astype({c: "int64" for c in counts})


#: the code of the whole province in ``curated.umkm_owner_summary``
ALL_BANTEN = "36"


def business_phones(records: pd.DataFrame) -> pd.Series:
    """The phone number (E.164) of each business, indexed by ``umkm_id``: that of its most
    trusted record with a phone (OSS, then the registries, then the marketplaces), the newest
    snapshot first, as golden records choose their attributes (``survivorship_priority``;
    ties: the smallest number)."""
    with_phone = records.loc[
        records["phone_e164"].notna(), ["umkm_id", "source", "snapshot_date", "phone_e164"]
    ]
    ranked = with_phone.assign(priority=survivorship_priority(with_phone)).sort_values(
        ["umkm_id", "priority", "phone_e164"]
    )
    return ranked.drop_duplicates("umkm_id").set_index("umkm_id")["phone_e164"]


def curated_source_records(records: pd.DataFrame) -> pd.DataFrame:
    """``curated.umkm_source_record``: every accepted record, the business it links to, and
    how confident the link is (the best match probability to another record of the business;
    empty for a business of one record)."""
    return (
        records[
            [
                "source",
                "source_record_id",
                "umkm_id",
                "match_probability",
                "match_rule",
                "platform",
            ]
        ]
        .rename(columns={"match_probability": "match_confidence"})
        .assign(snapshot_date=as_dates(records["snapshot_date"]))
    )


def restricted_personal_data(records: pd.DataFrame) -> pd.DataFrame:
    """``restricted.source_record_personal_data``: owner name, NIK, phones, e-mail, address."""
    return records[
        [
            "source",
            "source_record_id",
            "umkm_id",
            "owner_name",
            "nik",
            "phone_e164",
            "phone_e164_alt",
            "email",
            "address",
        ]
    ]


def canonical_archive(records: pd.DataFrame) -> pd.DataFrame:
    """``restricted.canonical_record``: every accepted record of the run in canonical form,
    personal data and unparsed raw text included, with its ``match_hash``. A source none of
    whose files can be used on a later night falls back to its rows here
    (``umkm.ingest.snapshots``); an incremental night finds here which records changed."""
    return records[[*CanonicalRecord.to_schema().columns, "match_hash"]]


def quality_rejected(rejected: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """``quality.rejected_record``: the quarantine without the raw rows (those are restricted)."""
    table = rejected.drop(columns=["raw_record"])
    table["source_file"] = table["source_file"].astype(str).str.split("/").str[-1]
    table["snapshot_date"] = as_dates(table["snapshot_date"])
    table["run_id"] = run_id
    return table


def restricted_rejected_raw(rejected: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """``restricted.rejected_raw_record``: the raw quarantined rows, for authorised users."""
    table = rejected[
        ["source", "source_record_id", "reason", "snapshot_date", "row_number", "raw_record"]
    ]
    table["run_id"] = run_id
    return table


def run_metrics(
    summary: pd.DataFrame,
    records: pd.DataFrame,
    rejected: pd.DataFrame,
    run_id: str,
    started_at: datetime,
) -> pd.DataFrame:
    """``quality.run_metrics``: per source and for the whole run: read, accepted, rejected by
    reason, businesses and matched records. ``summary`` has one row per source with
    ``source``, ``snapshot_date`` and ``records_read``."""
    cluster_size = records.groupby("umkm_id")["umkm_id"].transform("size")
    per_source = (
        records.assign(matched=cluster_size > 1)
        .groupby("source")
        .agg(
            records_accepted=("umkm_id", "size"),
            businesses=("umkm_id", "nunique"),
            records_matched=("matched", "sum"),
        )
    )
    by_reason = (
        pd.crosstab(rejected["source"], rejected["reason"])
        .reindex(columns=list(REASONS), fill_value=0)
        .add_prefix("rejected_")
    )
    metrics = summary.set_index("source")[["snapshot_date", "records_read"]].join(per_source)
    metrics = metrics.join(by_reason).fillna(
        {c: 0 for c in [*per_source.columns, *by_reason.columns]}
    )
    metrics["records_rejected"] = metrics[by_reason.columns].sum(axis=1)
    total = metrics.drop(columns=["snapshot_date"]).sum().to_frame().T
    total.index = ["(all)"]
    total["businesses"] = records["umkm_id"].nunique()
    metrics = pd.concat([metrics, total]).rename_axis("source").reset_index()
    metrics.insert(0, "run_id", run_id)
    metrics.insert(1, "run_started_at", pd.Timestamp(started_at))
    count_columns = [
        c for c in metrics.columns if c.startswith(("records_", "rejected_")) or c == "businesses"
    ]
    metrics[count_columns] = metrics[count_columns].astype("int64")
    return metrics
