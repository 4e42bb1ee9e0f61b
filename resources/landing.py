"""The landing zone resource: complete deliveries under the configured landing root.

The demo landing zone that a fresh clone runs on is ``resources.demo_landing``'s business.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from umkm.ingest.delivery_watch import DELIVERY_TAG
from umkm.ingest.file_memo import FileMemo
from umkm.ingest.landing import (
    Delivery,
    complete_deliveries,
    incomplete_deliveries,
    pinned_delivery,
)
from umkm.settings import DEFAULT_STALE_AFTER_DAYS


class LandingZone(dg.ConfigurableResource):
    """The landing root that the sources deliver into (``UMKM_LANDING_DIR``).

    A run reads one delivery: the resource pins it when the run starts (``setup_for_execution``).
    ``stale_after_days``: how far a source may lag behind the newest delivery before its
    freshness check warns (``UMKM_STALE_AFTER_DAYS``). ``file_memo_dir``: where the outcomes
    of files read before are kept, so that an unchanged file is not read again
    (``UMKM_FILE_MEMO_DIR``, ``umkm.ingest.file_memo``); None reads every file every night.
    """

    root: str
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    file_memo_dir: str | None = None
    _as_of: date | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Pin the run to one delivery: the sensor's or schedule's (the run's
        ``umkm/delivery`` tag), else the newest complete one now. A delivery that completes
        later in the run is left for the next run."""
        tags = context.run.tags if context.run else {}
        self.prepare(context.log)
        self._as_of = pinned_delivery(Path(self.root), tags.get(DELIVERY_TAG))
        if context.log and self._as_of:
            context.log.info(f"this run reads the landing zone as of delivery {self._as_of}")

    @property
    def as_of(self) -> date | None:
        """The delivery the run is pinned to (None outside a run: the newest)."""
        return self._as_of

    def file_memo(self) -> FileMemo | None:
        """The memo of files read before (None: none is kept)."""
        return FileMemo(Path(self.file_memo_dir)) if self.file_memo_dir else None

    def prepare(self, log=None) -> None:
        """Called before the landing root is read. A real landing zone needs nothing; the demo
        one generates itself here (``resources.demo_landing.DemoLandingZone``)."""

    def deliveries(self, log=None) -> list[Delivery]:
        """Complete deliveries up to the run's pinned one, newest first."""
        self.prepare(log)
        root = Path(self.root)
        found = [
            d
            for d in complete_deliveries(root)
            if self._as_of is None or d.delivered_on <= self._as_of
        ]
        if log:
            pending = incomplete_deliveries(root)
            if pending:
                log.info(f"ignoring deliveries without _SUCCESS: {', '.join(pending)}")
        return found
