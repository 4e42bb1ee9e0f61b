"""Source freshness: has a source delivered recently enough, or is it a closed platform?

A source is judged by the date of the snapshot in use (its newest good file) against the
newest complete delivery of the landing zone (the reference date), not against the wall clock:
a landing zone that stopped receiving everything is the delivery watch's business, while this
tells which single source lags behind the others. A source whose snapshot is more than
``stale_after_days`` older than the reference is ``stale`` (a warning, not a failure: its last
good snapshot is still used). Closed platforms (``retired`` in the catalog: ``jdid``,
``blanja``) never deliver again and are reported as ``retired``, never as stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from umkm.settings import DEFAULT_STALE_AFTER_DAYS

FreshnessStatus = Literal["fresh", "stale", "retired", "missing"]


@dataclass(frozen=True)
class Freshness:
    """The freshness verdict of one source."""

    source: str
    status: FreshnessStatus
    snapshot_date: date | None
    reference_date: date | None
    days_behind: int | None
    stale_after_days: int
    message: str

    @property
    def passed(self) -> bool:
        """Fresh and retired sources pass; stale and missing ones do not."""
        return self.status in ("fresh", "retired")


def source_freshness(
    source: str,
    snapshot_date: date | None,
    reference_date: date | None,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    retired: bool = False,
) -> Freshness:
    """Judge one source's freshness.

    ``snapshot_date``: delivery date of the snapshot in use (None when the source has none);
    ``reference_date``: the newest complete delivery of the landing zone.
    """
    if stale_after_days < 0:
        raise ValueError(f"stale_after_days must be >= 0, got {stale_after_days}")
    days = (
        (reference_date - snapshot_date).days
        if snapshot_date is not None and reference_date is not None
        else None
    )

    def verdict(status: FreshnessStatus, message: str) -> Freshness:
        return Freshness(
            source, status, snapshot_date, reference_date, days, stale_after_days, message
        )

    if retired:
        since = f"; last snapshot {snapshot_date}" if snapshot_date else ""
        return verdict("retired", f"{source} is a closed platform and delivers no more{since}")
    if snapshot_date is None:
        return verdict("missing", f"{source} has no good snapshot in any complete delivery")
    if days is not None and days > stale_after_days:
        return verdict(
            "stale",
            f"{source} has not delivered a good file for {days} day(s) "
            f"(last {snapshot_date}, newest delivery {reference_date}; "
            f"allowed {stale_after_days})",
        )
    return verdict(
        "fresh",
        f"{source} delivered on {snapshot_date}"
        + (f", {days} day(s) before the newest delivery" if days else ""),
    )
