"""One source's current snapshot, from its files in the landing zone to canonical records.

``load_source_snapshot`` tries the source's files from the newest complete delivery down.
A file is not used when it cannot be read (``BrokenFileError``), when reading, validating or
standardising it raises anything at all (status ``failed``: whatever a file holds, it never
stops the night), when it is unusable as a whole (``umkm.health.source_health.file_problem``:
most rows malformed, none accepted), or when it is implausibly small (status ``held``: it
has more than ``max_shrink`` fewer rows than the source's snapshot in the last run, as a file
cut short at a row boundary would; the operator accepts a real drop with ``accept_shrink``). Each file passed over is recorded with its message in
the delivery log, and the next older file is tried. When no file can be used, the source's
records are taken from ``archive`` (the canonical records of its last successful run, as
published), so that its businesses stay in the register and keep their ids; only when that
fails too is the source empty tonight.

Every snapshot guarantees conservation: rows read = records accepted + records quarantined.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from schemas.canonical import CanonicalRecord
from schemas.catalog import SourceSpec
from umkm.health.source_health import conservation_holds, file_problem
from umkm.ingest.file_memo import (
    FileMemo,
    FileOutcome,
    moved_to,
    reading_fingerprint,
    row_hashes,
)
from umkm.ingest.landing import Delivery, snapshot_candidates
from umkm.ingest.readers import ROW_NUMBER, BrokenFileError, RawTable, read_source_file
from umkm.ingest.validation import duplicate_keys, schema_failures, unusable_records
from umkm.standardise.records import source_fields, standardise_source

log = logging.getLogger(__name__)

REJECTED_COLUMNS = [
    "source",
    "source_record_id",
    "reason",
    "details",
    "snapshot_date",
    "source_file",
    "row_number",
    "raw_record",
]
DELIVERY_COLUMNS = ["source", "delivered_on", "source_file", "status", "message"]

#: statuses of the delivery log: the file in use; files passed over (refused by the reader,
#: raised while processed); the records of the last successful run used instead of any file;
#: nothing at all, because no delivery holds a file of the source or none of its files is good
CURRENT, BROKEN, FAILED, HELD, ARCHIVE = "current", "broken", "failed", "held", "archive"
MISSING, NO_GOOD_SNAPSHOT = "missing", "no_good_snapshot"
#: where a source's records come from when no file of it can be used: the run's accepted
#: canonical records, published every night
ARCHIVE_TABLE = "restricted.canonical_record"
ARCHIVE_FILE = "(archive: records as last published)"


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
    #: the file in use was read before: its outcome was taken from the file memo
    from_memo: bool = False

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        return self.rejected["reason"].value_counts().sort_index().to_dict()

    @property
    def passed_over(self) -> pd.DataFrame:
        """The delivery log's rows of files that were not used (broken, failed, held)."""
        return self.deliveries[self.deliveries["status"].isin([BROKEN, FAILED, HELD])]

    @property
    def held(self) -> str | None:
        """Why the source is held at an older snapshot or its archive, None when its newest
        delivered file is in use (or it has delivered nothing)."""
        passed = self.passed_over
        if passed.empty:
            return None
        newest = passed.iloc[0]
        at = (
            "the records of its last successful run"
            if self.source_file == ARCHIVE_FILE
            else f"its snapshot of {self.snapshot_date}"
            if self.snapshot_date
            else "nothing (no earlier good file, no archive)"
        )
        return (
            f"{self.source} is held at {at}: its file of {newest['delivered_on']} was "
            f"{newest['status']}: {newest['message']}"
        )


def load_source_snapshot(
    deliveries: list[Delivery],
    spec: SourceSpec,
    archive: Callable[[], pd.DataFrame | None] | None = None,
    previous_rows: int | None = None,
    accept_shrink: bool = False,
    memo: FileMemo | None = None,
) -> SourceSnapshot:
    """Load the source's current snapshot from the given complete deliveries (newest first);
    ``archive`` returns the source's canonical records as last published (None: none);
    ``previous_rows``: the rows the source's snapshot had in the last run (None: unknown);
    ``memo``: where the outcomes of files read before are kept (None: every file is read)."""
    started = time.perf_counter()
    log_rows: list[tuple[Any, ...]] = []
    for candidate in snapshot_candidates(deliveries, spec.key, spec.path):
        try:
            snapshot = _remembered_records_of(spec, candidate.delivered_on, candidate.path, memo)
            problem = file_problem(
                snapshot.records_read, len(snapshot.accepted), snapshot.rejected_by_reason
            )
            status = BROKEN
            if problem is None and not accept_shrink:
                problem = shrink_problem(snapshot.records_read, previous_rows, spec)
                status = HELD
        except BrokenFileError as exc:
            problem, status = str(exc), BROKEN
        except Exception as exc:  # whatever a file provokes, it must not stop the night
            log.exception(f"source {spec.key}: processing {candidate.path} raised")
            problem, status = f"{type(exc).__name__}: {exc}", FAILED
        if problem is None:
            log_rows.append((spec.key, candidate.delivered_on, str(candidate.path), CURRENT, ""))
            snapshot.deliveries = pd.DataFrame(log_rows, columns=DELIVERY_COLUMNS)
            snapshot.seconds = time.perf_counter() - started
            return snapshot
        log.warning(f"source {spec.key}: {status} file {candidate.path}: {problem}")
        log_rows.append((spec.key, candidate.delivered_on, str(candidate.path), status, problem))
    snapshot = _archived(spec, archive, log_rows)
    snapshot.seconds = time.perf_counter() - started
    return snapshot


def shrink_problem(rows: int, previous_rows: int | None, spec: SourceSpec) -> str | None:
    """Why a file with ``rows`` rows is implausibly small against the ``previous_rows`` of the
    source's last snapshot, or None."""
    if not previous_rows or rows >= previous_rows * (1 - spec.max_shrink):
        return None
    drop = 1 - rows / previous_rows
    return (
        f"{rows} rows where the last snapshot had {previous_rows} (a drop of {drop:.0%}, "
        f"more than the {spec.max_shrink:.0%} allowed): a file cut short? If the drop is "
        f"real, accept it with run config ops: {{source_{spec.key}: {{config: "
        "{accept_shrink: true}}}"
    )


def _archived(
    spec: SourceSpec,
    archive: Callable[[], pd.DataFrame | None] | None,
    log_rows: list[tuple[Any, ...]],
) -> SourceSnapshot:
    """The source's records as last published, when no file of it can be used."""
    try:
        records = archive() if archive is not None else None
        if records is not None and len(records):
            accepted = CanonicalRecord.validate(records.reset_index(drop=True))
            snapshot_date = pd.Timestamp(accepted["snapshot_date"].max()).date()
            message = (
                f"source {spec.key}: no usable file; {len(accepted)} records of its "
                f"snapshot of {snapshot_date} kept as last published"
            )
            log.warning(message)
            log_rows.append((spec.key, snapshot_date, ARCHIVE_FILE, ARCHIVE, message))
            return SourceSnapshot(
                source=spec.key,
                snapshot_date=snapshot_date,
                source_file=ARCHIVE_FILE,
                records_read=len(accepted),
                accepted=accepted,
                rejected=pd.DataFrame(columns=REJECTED_COLUMNS),
                deliveries=pd.DataFrame(log_rows, columns=DELIVERY_COLUMNS),
                warnings=[message],
            )
        archive_note = "and no records of it were published before"
    except Exception as exc:  # a broken archive leaves the source empty, not the night
        log.exception(f"source {spec.key}: its archived records cannot be used")
        archive_note = f"and its archived records cannot be used ({type(exc).__name__}: {exc})"
    message = (
        f"source {spec.key}: no complete delivery holds {spec.path} {archive_note}"
        if not log_rows
        else f"source {spec.key}: no delivered file of {spec.path} is usable {archive_note}"
    )
    log.warning(message)
    log_rows.append((spec.key, None, None, NO_GOOD_SNAPSHOT if log_rows else MISSING, message))
    return SourceSnapshot(
        source=spec.key,
        snapshot_date=None,
        source_file=None,
        records_read=0,
        accepted=empty_canonical(),
        rejected=pd.DataFrame(columns=REJECTED_COLUMNS),
        deliveries=pd.DataFrame(log_rows, columns=DELIVERY_COLUMNS),
        warnings=[message],
    )


def _remembered_records_of(
    spec: SourceSpec, delivered_on: date, path: Path, memo: FileMemo | None
) -> SourceSnapshot:
    """The file's snapshot: from the memo when this file was read before with the same code,
    else read (the rows accepted from the source's last file read before are not
    standardised again), and kept in the memo when it can be used as a whole."""
    if memo is None:
        snapshot, _ = _records_of(read_source_file(path, spec.format), spec, delivered_on, path)
        return snapshot
    key = memo.key(spec.key, path, delivered_on)
    kept = memo.get(spec.key, key)
    if kept is not None:
        kept = moved_to(kept, path)
        return SourceSnapshot(
            source=spec.key,
            snapshot_date=delivered_on,
            source_file=str(path),
            records_read=kept.records_read,
            accepted=kept.accepted,
            rejected=kept.rejected,
            deliveries=pd.DataFrame(columns=DELIVERY_COLUMNS),
            warnings=kept.warnings,
            from_memo=True,
        )
    snapshot, hashes = _records_of(
        read_source_file(path, spec.format), spec, delivered_on, path, memo.latest(spec.key)
    )
    problem = file_problem(
        snapshot.records_read, len(snapshot.accepted), snapshot.rejected_by_reason
    )
    if problem is None:
        memo.put(
            spec.key,
            key,
            FileOutcome(
                snapshot.records_read,
                snapshot.accepted,
                snapshot.rejected,
                snapshot.warnings,
                str(path),
                row_hashes=hashes,
                reading=reading_fingerprint(),
            ),
        )
    return snapshot


def _records_of(
    table: RawTable,
    spec: SourceSpec,
    delivered_on: date,
    path: Path,
    before: FileOutcome | None = None,
) -> tuple[SourceSnapshot, np.ndarray]:
    """The snapshot of a file read as ``table``, and the row hashes of its accepted records.
    Rows accepted from the file ``before`` (the source's last file read with this code) are
    not standardised again: their canonical records are taken from it, stamped with this
    snapshot's date."""
    raw = table.rows
    fmt = spec.format
    quarantine = schema_failures(raw, fmt)
    readable = raw.drop(index=quarantine["row_position"])
    quarantine = pd.concat(
        [quarantine, duplicate_keys(readable[fmt.record_key])], ignore_index=True
    )
    kept = raw.drop(index=quarantine["row_position"])
    hashes = row_hashes(kept.drop(columns=[ROW_NUMBER]))
    known = _accepted_before(hashes, before)
    fresh = kept[known < 0]
    records = standardise_source(source_fields(fresh, spec), spec, delivered_on)
    records.index = fresh.index
    unusable = unusable_records(records, spec)
    records = records.drop(index=unusable["row_position"])
    invalid = canonical_failures(records)
    quarantine = pd.concat([quarantine, unusable, invalid], ignore_index=True)
    records = records.drop(index=invalid["row_position"])
    if (known >= 0).any():
        assert before is not None  # rows are only known from a file read before
        again = before.accepted.iloc[known[known >= 0]].assign(
            snapshot_date=pd.Timestamp(delivered_on)
        )
        again.index = kept.index[known >= 0]
        records = pd.concat([records, again]).sort_index(kind="stable")
    accepted_rows = kept.index.get_indexer(records.index)
    accepted = CanonicalRecord.validate(records.reset_index(drop=True))
    rejected = _quarantine_rows(raw, quarantine, spec, delivered_on, path)
    if not conservation_holds(len(raw), len(accepted), len(rejected)):
        raise AssertionError(
            f"conservation broken for {spec.key}: read {len(raw)}, accepted {len(accepted)}, "
            f"quarantined {len(rejected)}"
        )
    snapshot = SourceSnapshot(
        source=spec.key,
        snapshot_date=delivered_on,
        source_file=str(path),
        records_read=len(raw),
        accepted=accepted,
        rejected=rejected,
        deliveries=pd.DataFrame(columns=DELIVERY_COLUMNS),
        warnings=list(table.warnings),
    )
    return snapshot, hashes[accepted_rows]


def _accepted_before(hashes: np.ndarray, before: FileOutcome | None) -> np.ndarray:
    """Per row (its hash), the position of the record accepted from the same cells in the
    file ``before``, or -1."""
    if before is None or before.row_hashes is None or not len(before.row_hashes):
        return np.full(len(hashes), -1, dtype=np.int64)
    known = pd.MultiIndex.from_arrays([before.row_hashes[:, 0], before.row_hashes[:, 1]])
    first = ~known.duplicated()  # rows of equal cells give equal records: any one will do
    found = known[first].get_indexer(pd.MultiIndex.from_arrays([hashes[:, 0], hashes[:, 1]]))
    return np.where(found >= 0, np.flatnonzero(first)[found], -1).astype(np.int64)


def canonical_failures(records: pd.DataFrame) -> pd.DataFrame:
    """Standardised records that fail the canonical schema (row position, ``malformed``, the
    columns and checks): a value no standardiser should produce quarantines its row instead of
    stopping the source."""
    try:
        CanonicalRecord.validate(records, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].isna().any():
            raise
        cases = cases.assign(
            detail="standardised "
            + cases["column"].astype(str)
            + " fails "
            + cases["check"].astype(str)
        )
        grouped = cases.groupby("index")["detail"].agg(lambda d: "; ".join(sorted(set(d))))
        return pd.DataFrame(
            {
                "row_position": grouped.index.astype(int),
                "reason": "malformed",
                "details": grouped.to_numpy(),
            }
        )
    return pd.DataFrame(columns=["row_position", "reason", "details"])


def _quarantine_rows(
    raw: pd.DataFrame, quarantine: pd.DataFrame, spec: SourceSpec, delivered_on: date, path: Path
) -> pd.DataFrame:
    positions = quarantine["row_position"].to_numpy()
    rows = raw.loc[positions]
    key = rows[spec.format.record_key].astype(str)
    # one JSON object per line; JSON escapes every line break inside a value, so only "\n"
    # separates them (str.splitlines would also split at U+2028 and other separators)
    raw_json = rows.drop(columns=[ROW_NUMBER]).to_json(
        orient="records", lines=True, force_ascii=False
    )
    return pd.DataFrame(
        {
            "source": spec.key,
            "source_record_id": key.where(key != "").to_numpy(),
            "reason": quarantine["reason"].to_numpy(),
            "details": quarantine["details"].to_numpy(),
            "snapshot_date": pd.Timestamp(delivered_on),
            "source_file": str(path),
            "row_number": rows[ROW_NUMBER].to_numpy(),
            "raw_record": raw_json.rstrip("\n").split("\n") if len(rows) else [],
        },
        columns=REJECTED_COLUMNS,
    )


def empty_canonical() -> pd.DataFrame:
    """A canonical record frame with no rows."""
    columns = list(CanonicalRecord.to_schema().columns)
    return pd.DataFrame(columns=columns)
