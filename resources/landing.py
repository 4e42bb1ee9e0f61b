"""The landing zone resource: complete deliveries under the configured landing root."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from resources.settings import DEMO_BUSINESSES, DEMO_DAYS, DEMO_LANDING_DIR
from umkm.freshness import DEFAULT_STALE_AFTER_DAYS
from umkm.landing import Delivery, complete_deliveries, incomplete_deliveries


class LandingZone(dg.ConfigurableResource):
    """The landing root that the sources deliver into (``UMKM_LANDING_DIR``).

    When it is the demo landing zone and does not exist yet, a small one is generated
    (``python -m umkm.demo``), so that a fresh clone runs end to end.
    ``stale_after_days``: how far a source may lag behind the newest delivery before its
    freshness check warns (``UMKM_STALE_AFTER_DAYS``).
    """

    root: str
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS

    def deliveries(self, log=None) -> list[Delivery]:
        """Complete deliveries, newest first."""
        root = Path(self.root)
        if root.resolve() == DEMO_LANDING_DIR.resolve() and not root.exists():
            from umkm.demo import generate_landing_zone

            if log:
                log.info(f"no demo landing zone yet: generating {DEMO_BUSINESSES} businesses "
                         f"over {DEMO_DAYS} days into {root}")
            generate_landing_zone(root, businesses=DEMO_BUSINESSES, days=DEMO_DAYS, seed=0)
        found = complete_deliveries(root)
        if log:
            pending = incomplete_deliveries(root)
            if pending:
                log.info(f"ignoring deliveries without _SUCCESS: {', '.join(pending)}")
        return found
