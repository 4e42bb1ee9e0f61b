"""The source scorecard: feedback to each Dinas and platform about the data it sends, one
row per source and night (``quality.source_scorecard``, appended).

Per source: the share of rows quarantined (in all and by reason); among its accepted records,
the share missing each key field (phone, NIB, kecamatan, postal code), the share with an
invalid NIK, NIB or phone (text that no standardiser understood, ``umkm.standardise``), the
share of within-source duplicates (a business the same registry or platform lists more than
once) and the share that matched nothing elsewhere (a business no other source lists).
Shares are fractions of 1, rounded to 4 decimals.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from umkm.ingest.validation import REASONS

#: key fields whose absence the scorecard reports
KEY_FIELDS = {
    "phone": "phone_e164",
    "nib": "nib",
    "kecamatan": "kecamatan_code",
    "postal_code": "postal_code",
}
#: identifiers whose invalid values the scorecard reports: field of ``unparsed`` or issue
INVALID = {"nik": "nik_issue", "nib": '"nib"', "phone": '"phone"'}


def source_scorecard(
    summary: pd.DataFrame,
    records: pd.DataFrame,
    rejected: pd.DataFrame,
    run_id: str,
    started_at: datetime,
) -> pd.DataFrame:
    """The scorecard of one night from the per-source summary (``source``,
    ``records_read``), the linked records (canonical fields and ``umkm_id``) and the
    quarantine."""
    read = summary.set_index("source")["records_read"]
    card = pd.DataFrame(index=read.index)
    card["records_read"] = read
    quarantined = pd.crosstab(rejected["source"], rejected["reason"]).reindex(
        index=read.index, columns=list(REASONS), fill_value=0
    )
    card["share_quarantined"] = quarantined.sum(axis=1) / read.where(read > 0)
    for reason in REASONS:
        card[f"share_quarantined_{reason}"] = quarantined[reason] / read.where(read > 0)
    accepted = records.groupby("source")
    card["records_accepted"] = accepted.size().reindex(read.index, fill_value=0)
    for name, column in KEY_FIELDS.items():
        card[f"share_missing_{name}"] = accepted[column].agg(lambda c: c.isna().mean())
    unparsed = records["unparsed"].fillna("")
    for name, marker in INVALID.items():
        invalid = (
            records[marker].notna()
            if marker in records.columns
            else unparsed.str.contains(marker, regex=False)
        )
        card[f"share_invalid_{name}"] = invalid.groupby(records["source"]).mean()
    per_business_source = records.groupby(["umkm_id", "source"])["umkm_id"].transform("size")
    sources_of_business = records.groupby("umkm_id")["source"].transform("nunique")
    card["share_duplicate_within_source"] = (
        (per_business_source > 1).groupby(records["source"]).mean()
    )
    card["share_matched_nothing_elsewhere"] = (
        (sources_of_business == 1).groupby(records["source"]).mean()
    )
    shares = [c for c in card.columns if c.startswith("share_")]
    card[shares] = card[shares].astype("float64").round(4)
    card = card.reset_index().rename(columns={"index": "source"})
    card.insert(0, "run_id", run_id)
    card.insert(1, "run_started_at", pd.Timestamp(started_at))
    return card.astype({"records_read": "int64", "records_accepted": "int64"})
