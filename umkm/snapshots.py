"""One source's current snapshot, from its files in the landing zone to canonical records.

``load_source_snapshot`` picks the newest complete delivery that holds the source's file,
falls back to older deliveries while files are broken (each broken one recorded with its
message), then validates, standardises and quarantines the rows. It guarantees conservation:
rows read = records accepted + records quarantined.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from schemas.canonical import CanonicalRecord
from schemas.catalog import SourceSpec
from umkm.landing import Delivery, snapshot_candidates
from umkm.readers import ROW_NUMBER, BrokenFileError, RawTable, read_source_file
from umkm.standardise import source_fields, standardise_source
from umkm.validation import duplicate_keys, schema_failures, unusable_records

log = logging.getLogger(__name__)

REJECTED_COLUMNS = [
    "source", "source_record_id", "reason", "details", "snapshot_date", "source_file",
    "row_number", "raw_record",
]
DELIVERY_COLUMNS = ["source", "delivered_on", "source_file", "status", "message"]


@dataclass
class SourceSnapshot:
    """The outcome of loading one source: accepted records, quarantine and delivery log."""

    source: str
    snapshot_date: date | None
    source_file: str | None
    records_read: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    deliveries: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        return self.rejected["reason"].value_counts().sort_index().to_dict()


def load_source_snapshot(deliveries: list[Delivery], spec: SourceSpec) -> SourceSnapshot:
    """Load the source's current snapshot from the given complete deliveries (newest first)."""
    started = time.perf_counter()
    log_rows = []
    for candidate in snapshot_candidates(deliveries, spec.key, spec.path):
        try:
            table = read_source_file(candidate.path, spec.format)
        except BrokenFileError as exc:
            message = f"source {spec.key}: broken file {candidate.path}: {exc}"
            log.warning(message)
            log_rows.append((spec.key, candidate.delivered_on, str(candidate.path), "broken",
                             str(exc)))
            continue
        log_rows.append((spec.key, candidate.delivered_on, str(candidate.path), "current", ""))
        snapshot = _records_of(table, spec, candidate.delivered_on, candidate.path)
        snapshot.deliveries = pd.DataFrame(log_rows, columns=DELIVERY_COLUMNS)
        snapshot.seconds = time.perf_counter() - started
        return snapshot
    status = "missing" if not log_rows else "no_good_snapshot"
    message = (f"source {spec.key}: no complete delivery holds {spec.path}" if not log_rows
               else f"source {spec.key}: every delivered file of {spec.path} is broken")
    log.warning(message)
    log_rows.append((spec.key, None, None, status, message))
    return SourceSnapshot(
        source=spec.key, snapshot_date=None, source_file=None, records_read=0,
        accepted=_empty_canonical(), rejected=pd.DataFrame(columns=REJECTED_COLUMNS),
        deliveries=pd.DataFrame(log_rows, columns=DELIVERY_COLUMNS), warnings=[message],
        seconds=time.perf_counter() - started,
    )


def _records_of(table: RawTable, spec: SourceSpec, delivered_on: date, path: Path) -> SourceSnapshot:
    raw = table.rows
    fmt = spec.format
    quarantine = schema_failures(raw, fmt)
    readable = raw.drop(index=quarantine["row_position"])
    quarantine = pd.concat([quarantine, duplicate_keys(readable[fmt.record_key])],
                           ignore_index=True)
    kept = raw.drop(index=quarantine["row_position"])
    records = standardise_source(source_fields(kept, spec), spec, delivered_on)
    records.index = kept.index
    unusable = unusable_records(records)
    quarantine = pd.concat([quarantine, unusable], ignore_index=True)
    accepted = records.drop(index=unusable["row_position"])
    accepted = CanonicalRecord.validate(accepted.reset_index(drop=True))
    rejected = _quarantine_rows(raw, quarantine, spec, delivered_on, path)
    if len(accepted) + len(rejected) != len(raw):
        raise AssertionError(
            f"conservation broken for {spec.key}: read {len(raw)}, accepted {len(accepted)}, "
            f"quarantined {len(rejected)}"
        )
    return SourceSnapshot(
        source=spec.key, snapshot_date=delivered_on, source_file=str(path),
        records_read=len(raw), accepted=accepted, rejected=rejected,
        deliveries=pd.DataFrame(columns=DELIVERY_COLUMNS), warnings=list(table.warnings),
    )


def _quarantine_rows(raw: pd.DataFrame, quarantine: pd.DataFrame, spec: SourceSpec,
                     delivered_on: date, path: Path) -> pd.DataFrame:
    positions = quarantine["row_position"].to_numpy()
    rows = raw.loc[positions]
    key = rows[spec.format.record_key].astype(str)
    raw_json = rows.drop(columns=[ROW_NUMBER]).to_json(orient="records", lines=True,
                                                       force_ascii=False)
    return pd.DataFrame({
        "source": spec.key,
        "source_record_id": key.where(key != "").to_numpy(),
        "reason": quarantine["reason"].to_numpy(),
        "details": quarantine["details"].to_numpy(),
        "snapshot_date": pd.Timestamp(delivered_on),
        "source_file": str(path),
        "row_number": rows[ROW_NUMBER].to_numpy(),
        "raw_record": raw_json.splitlines() if len(rows) else [],
    }, columns=REJECTED_COLUMNS)


def _empty_canonical() -> pd.DataFrame:
    columns = list(CanonicalRecord.to_schema().columns)
    return pd.DataFrame(columns=columns)
