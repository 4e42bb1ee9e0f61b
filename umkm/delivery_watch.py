"""Which new delivery, if any, should start a nightly run: the logic of the delivery sensor.

A delivery is a ``YYYY-MM-DD`` folder with a ``_SUCCESS`` marker (``umkm.landing``). The watch
remembers the newest delivery it asked a run for (the sensor's cursor). When a newer complete
delivery appears it asks for one run, keyed by that folder's name, so the same delivery is
never processed twice. One run reads every source's newest snapshot, so when several
deliveries arrived since the last run only the newest needs a run. While a nightly run is
queued or running no run is asked for and the cursor stays put: the delivery is picked up
once that run has ended, so runs never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from umkm.landing import complete_deliveries


@dataclass(frozen=True)
class WatchDecision:
    """The delivery to start a run for (None: no run) and why."""

    delivery: str | None
    reason: str


def delivery_to_request(complete: list[str], cursor: str | None,
                        nightly_in_flight: bool) -> WatchDecision:
    """Decide on a run from the names of the complete deliveries and the newest one a run
    was already requested for (``cursor``)."""
    if not complete:
        return WatchDecision(None, "no complete delivery (with _SUCCESS) in the landing zone")
    newest = max(complete)
    if cursor is not None and newest <= cursor:
        return WatchDecision(None, f"no delivery newer than {cursor}")
    if nightly_in_flight:
        return WatchDecision(None, f"delivery {newest} waits: a nightly run is queued or running")
    skipped = sorted(d for d in complete if d < newest and (cursor is None or d > cursor))
    also = f" (it supersedes {', '.join(skipped)})" if skipped and cursor is not None else ""
    return WatchDecision(newest, f"new complete delivery {newest}{also}")


def complete_delivery_names(landing_root: Path) -> list[str]:
    """Folder names of the complete deliveries under the landing root."""
    return [d.path.name for d in complete_deliveries(landing_root)]
