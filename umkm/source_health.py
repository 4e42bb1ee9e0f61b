"""Verdicts on one source's snapshot for the asset checks an operator sees per source.

The source step already validates every row against its format's pandera schema and
quarantines the rows that fail (``umkm.validation``); a few bad rows are normal and must not
stop the night. What must stop it (a blocking failure, nothing is published) is a snapshot
whose *file* is wrong rather than some of its rows:

- no complete delivery holds a good file of the source (missing, or every file broken):
  publishing without it would retire the ids of all its businesses;
- more than ``MAX_MALFORMED_SHARE`` of its rows (and at least ``MIN_MALFORMED_ROWS``) fail
  the raw schema: the export's layout or vocabulary has changed;
- rows were read but none was accepted.

A newer file that was broken (the last good snapshot is used instead) or reader warnings are
a warning. Conservation (rows read = accepted + quarantined) is checked on its own.
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


def schema_verdict(records_read: int, records_accepted: int, rejected_by_reason: dict[str, int],
                   deliveries: pd.DataFrame, warnings: list[str] | tuple[str, ...] = ()
                   ) -> SchemaVerdict:
    """Judge a source snapshot from its counts and its delivery log (``status``/``message``
    per candidate file: ``current``, ``broken``, ``missing``, ``no_good_snapshot``)."""
    malformed = int(rejected_by_reason.get("malformed", 0))
    share = malformed / records_read if records_read else 0.0
    statuses = set(deliveries["status"]) if len(deliveries) else set()
    errors, warns = [], []
    if "current" not in statuses:
        errors.extend(m for m in deliveries.get("message", pd.Series(dtype=str)) if m)
        if not errors:
            errors.append("no good snapshot in any complete delivery")
    elif records_read and share > MAX_MALFORMED_SHARE and malformed >= MIN_MALFORMED_ROWS:
        errors.append(f"{malformed} of {records_read} rows ({share:.0%}) fail the raw schema "
                      f"(allowed {MAX_MALFORMED_SHARE:.0%}): has the export's layout changed?")
    elif records_read and not records_accepted:
        errors.append(f"none of the {records_read} rows read was accepted")
    broken = deliveries[deliveries["status"] == "broken"] if len(deliveries) else deliveries
    if "current" in statuses:
        warns.extend(f"skipped broken file {row['source_file']}: {row['message']}"
                     for _, row in broken.iterrows())
    warns.extend(warnings)
    severity: Severity = "error" if errors else "warn" if warns else "ok"
    return SchemaVerdict(severity, tuple(errors + warns), round(share, 4))


def conservation_holds(records_read: int, records_accepted: int, records_quarantined: int) -> bool:
    """Every row read is accepted or quarantined, exactly once."""
    return records_read == records_accepted + records_quarantined


def failure_samples(rejected: pd.DataFrame, n: int = SAMPLE_ROWS) -> pd.DataFrame:
    """Up to ``n`` quarantined rows to show an operator, schema failures first; no raw row
    (it holds personal data), only the record key, row number, reason and details."""
    if rejected.empty:
        return pd.DataFrame(columns=SAMPLE_COLUMNS)
    order = rejected["reason"].ne("malformed").astype(int)
    picked = rejected.assign(_order=order.to_numpy()).sort_values(["_order", "row_number"],
                                                                  kind="stable").head(n)
    samples = picked[SAMPLE_COLUMNS].copy()
    samples["source_record_id"] = samples["source_record_id"].fillna("").astype(str)
    samples["row_number"] = samples["row_number"].astype("Int64").astype(str)
    samples["details"] = samples["details"].fillna("").astype(str).str.slice(0, 200)
    return samples.reset_index(drop=True)
