"""The landing zone resource: complete deliveries under the configured landing root."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from resources.settings import DEMO_BUSINESSES, DEMO_DAYS, DEMO_LANDING_DIR
from umkm.health.freshness import DEFAULT_STALE_AFTER_DAYS
from umkm.ingest.delivery_watch import DELIVERY_TAG
from umkm.ingest.landing import Delivery, complete_deliveries, incomplete_deliveries, pinned_delivery


class LandingZone(dg.ConfigurableResource):
    """The landing root that the sources deliver into (``UMKM_LANDING_DIR``).

    When it is the demo landing zone and does not exist yet, a small one is generated
    (``python -m umkm.demo``), so that a fresh clone runs end to end. A run reads one
    delivery: the resource pins it when the run starts (``setup_for_execution``).
    ``stale_after_days``: how far a source may lag behind the newest delivery before its
    freshness check warns (``UMKM_STALE_AFTER_DAYS``).
    """

    root: str
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    _as_of: date | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Pin the run to one delivery: the sensor's or schedule's (the run's
        ``umkm/delivery`` tag), else the newest complete one now. A delivery that completes
        later in the run is left for the next run."""
        tags = context.dagster_run.tags if context.dagster_run else {}
        self._ensure_demo(context.log)
        self._as_of = pinned_delivery(Path(self.root), tags.get(DELIVERY_TAG))
        if context.log and self._as_of:
            context.log.info(f"this run reads the landing zone as of delivery {self._as_of}")

    @property
    def as_of(self) -> date | None:
        """The delivery the run is pinned to (None outside a run: the newest)."""
        return self._as_of

    def _ensure_demo(self, log=None) -> None:
        root = Path(self.root)
        if root.resolve() == DEMO_LANDING_DIR.resolve() and not root.exists():
            from umkm.demo import generate_landing_zone

            if log:
                log.info(f"no demo landing zone yet: generating {DEMO_BUSINESSES} businesses "
                         f"over {DEMO_DAYS} days into {root}")
            generate_landing_zone(root, businesses=DEMO_BUSINESSES, days=DEMO_DAYS, seed=0)

    def deliveries(self, log=None) -> list[Delivery]:
        """Complete deliveries up to the run's pinned one, newest first."""
        self._ensure_demo(log)
        root = Path(self.root)
        found = [d for d in complete_deliveries(root)
                 if self._as_of is None or d.delivered_on <= self._as_of]
        if log:
            pending = incomplete_deliveries(root)
            if pending:
                log.info(f"ignoring deliveries without _SUCCESS: {', '.join(pending)}")
        return found
