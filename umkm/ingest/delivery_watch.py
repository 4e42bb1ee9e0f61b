"""Which delivery, if any, should start a nightly run: the logic of the sensor and schedule.

A delivery is a ``YYYY-MM-DD`` folder with a ``_SUCCESS`` marker (``umkm.ingest.landing``). The
sensor remembers the newest delivery it asked a run for (its cursor). When a newer complete
delivery appears it asks for one run, keyed by that folder's name. One run reads every
source's newest snapshot, so when several deliveries arrived since the last run only the
newest needs a run. While a nightly run is queued or running no run is asked for and the
cursor stays put: the delivery is picked up once that run has ended, so runs never overlap.
A delivery that a nightly run already processed successfully (``processed``: the deliveries
named on successful runs) is not asked for again, neither by the sensor nor by the 01:00
schedule, which is the catch-up: it asks for the newest delivery when no run has processed
it yet (the sensor was off, or the sensor's run failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from umkm.ingest.landing import complete_deliveries

#: the run tag naming the delivery a sensor's or schedule's run is for (the run reads as of it)
DELIVERY_TAG = "umkm/delivery"


@dataclass(frozen=True)
class WatchDecision:
    """The delivery to start a run for (None: no run), why, and the sensor's new cursor
    (None: leave it)."""

    delivery: str | None
    reason: str
    cursor: str | None = None


def delivery_to_request(
    complete: list[str],
    cursor: str | None,
    nightly_in_flight: bool,
    processed: frozenset[str] = frozenset(),
) -> WatchDecision:
    """The sensor's decision from the names of the complete deliveries, the newest one a run
    was already requested for (``cursor``) and the deliveries processed successfully."""
    if not complete:
        return WatchDecision(None, "no complete delivery (with _SUCCESS) in the landing zone")
    newest = max(complete)
    if cursor is not None and newest <= cursor:
        return WatchDecision(None, f"no delivery newer than {cursor}")
    if newest in processed:
        return WatchDecision(None, f"delivery {newest} was already processed", cursor=newest)
    if nightly_in_flight:
        return WatchDecision(None, f"delivery {newest} waits: a nightly run is queued or running")
    skipped = sorted(d for d in complete if d < newest and (cursor is None or d > cursor))
    also = f" (it supersedes {', '.join(skipped)})" if skipped and cursor is not None else ""
    return WatchDecision(newest, f"new complete delivery {newest}{also}", cursor=newest)


def scheduled_delivery(
    complete: list[str], nightly_in_flight: bool, processed: frozenset[str]
) -> WatchDecision:
    """The schedule's decision: the newest complete delivery, unless a run processed it
    already or a nightly run is queued or running."""
    if not complete:
        return WatchDecision(None, "no complete delivery (with _SUCCESS) in the landing zone")
    newest = max(complete)
    if newest in processed:
        return WatchDecision(None, f"delivery {newest} was already processed")
    if nightly_in_flight:
        return WatchDecision(None, f"delivery {newest} waits: a nightly run is queued or running")
    return WatchDecision(newest, f"delivery {newest} has not been processed yet")


def complete_delivery_names(landing_root: Path) -> list[str]:
    """Folder names of the complete deliveries under the landing root."""
    return [d.path.name for d in complete_deliveries(landing_root)]
