"""Verdicts on one source's snapshot for the asset checks an operator sees per source.

The source step validates every row against its format's pandera schema and quarantines the
rows that fail (``umkm.ingest.validation``); a few bad rows are normal. A file that is wrong as a
whole rather than in some rows (``file_problem``) is not used at all:

- more than ``MAX_MALFORMED_SHARE`` of its rows (and at least ``MIN_MALFORMED_ROWS``) fail
  the raw schema: the export's layout or vocabulary has changed;
- rows were read but none was accepted.

The source is then held at its last good snapshot or its archived records
(``umkm.ingest.snapshots``), and nothing about one source stops the night: ``schema_verdict`` fails
(as a warning) when the newest file was passed over or no snapshot exists, and warns on
reader warnings. Conservation (rows read = accepted + quarantined) is checked on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

#: share of a snapshot's rows failing the raw pandera schema above which the file is wrong
MAX_MALFORMED_SHARE = 0.25
#: ... provided at least this many rows fail (a 5-row export with 2 odd rows is not a new layout)
MIN_MALFORMED_ROWS = 3
#: how many quarantined rows a check shows as samples
SAMPLE_ROWS = 10
SAMPLE_COLUMNS = ["source_record_id", "row_number", "reason", "details"]

Severity = Literal["ok", "warn", "error"]


@dataclass(frozen=True)
class SchemaVerdict:
    """Whether a source's snapshot can be used, with the reasons."""

    severity: Severity
    messages: tuple[str, ...]
    malformed_share: float

    @property
    def passed(self) -> bool:
        return self.severity == "ok"


def file_problem(
    records_read: int, records_accepted: int, rejected_by_reason: dict[str, int]
) -> str | None:
    """Why a processed file is wrong as a whole and must not be used, or None."""
    malformed = int(rejected_by_reason.get("malformed", 0))
    share = malformed / records_read if records_read else 0.0
    if records_read and share > MAX_MALFORMED_SHARE and malformed >= MIN_MALFORMED_ROWS:
        return (
            f"{malformed} of {records_read} rows ({share:.0%}) fail the raw schema "
            f"(allowed {MAX_MALFORMED_SHARE:.0%}): has the export's layout changed?"
        )
    if records_read and not records_accepted:
        return f"none of the {records_read} rows read was accepted"
    return None


def schema_verdict(
    records_read: int,
    rejected_by_reason: dict[str, int],
    deliveries: pd.DataFrame,
    warnings: list[str] | tuple[str, ...] = (),
) -> SchemaVerdict:
    """Judge a source snapshot from its counts and its delivery log (``status``/``message``
    per candidate file, see ``umkm.ingest.snapshots``). Never an error: a source whose files are
    unusable is held at an older snapshot or its archive, and the night goes on."""
    malformed = int(rejected_by_reason.get("malformed", 0))
    share = malformed / records_read if records_read else 0.0
    statuses = set(deliveries["status"]) if len(deliveries) else set()
    failures: list[str] = []
    warns: list[str] = []
    passed_over = (
        deliveries[deliveries["status"].isin(["broken", "failed", "held"])]
        if len(deliveries)
        else deliveries
    )
    failures.extend(
        f"{row['status']} file {row['source_file']}: {row['message']}"
        for _, row in passed_over.iterrows()
    )
    if "current" not in statuses:
        failures.extend(
            m
            for m in deliveries.get("message", pd.Series(dtype=str))
            if m and m not in " ".join(failures)
        )
        if not failures:
            failures.append("no good snapshot in any complete delivery")
    warns.extend(w for w in warnings if w not in failures)
    severity: Severity = "warn" if failures or warns else "ok"
    return SchemaVerdict(severity, tuple(failures + warns), round(share, 4))


def conservation_holds(records_read: int, records_accepted: int, records_quarantined: int) -> bool:
    """Every row read is accepted or quarantined, exactly once."""
    return records_read == records_accepted + records_quarantined


def failure_samples(rejected: pd.DataFrame, n: int = SAMPLE_ROWS) -> pd.DataFrame:
    """Up to ``n`` quarantined rows to show an operator, schema failures first; no raw row
    (it holds personal data), only the record key, row number, reason and details."""
    if rejected.empty:
        return pd.DataFrame(columns=SAMPLE_COLUMNS)
    order = rejected["reason"].ne("malformed").astype(int)
    picked = (
        rejected.assign(_order=order.to_numpy())
        .sort_values(["_order", "row_number"], kind="stable")
        .head(n)
    )
    samples = picked[SAMPLE_COLUMNS].copy()
    samples["source_record_id"] = samples["source_record_id"].fillna("").astype(str)
    samples["row_number"] = samples["row_number"].astype("Int64").astype(str)
    samples["details"] = samples["details"].fillna("").astype(str).str.slice(0, 200)
    return samples.reset_index(drop=True)
