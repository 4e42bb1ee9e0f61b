"""The demo landing zone: a landing zone that generates itself on first use.

When ``UMKM_LANDING_DIR`` is not set, the landing root is ``data/demo-landing``
(``umkm.settings.DEMO_LANDING_DIR``). ``pipelines.definitions`` then uses ``DemoLandingZone``,
which generates a small landing zone there (``python -m umkm.demo``) when it does not exist
yet, so that ``scripts/nightly`` and ``scripts/dagster-dev`` run end to end on a fresh
clone. A real landing zone is ``resources.landing.LandingZone``, which never generates data.
"""

from __future__ import annotations

from pathlib import Path

from resources.landing import LandingZone
from umkm.settings import DEMO_LANDING_DIR

#: size of the demo landing zone made on first use
DEMO_BUSINESSES = 2_000
DEMO_DAYS = 3
DEMO_SEED = 0


def is_demo_landing(root: str | Path) -> bool:
    """Whether ``root`` is the demo landing zone under ``data/``."""
    return Path(root).resolve() == DEMO_LANDING_DIR.resolve()


class DemoLandingZone(LandingZone):
    """The demo landing zone under ``data/``, generated when it does not exist yet."""

    def prepare(self, log=None) -> None:
        root = Path(self.root)
        if is_demo_landing(root) and not root.exists():
            from umkm.demo import generate_landing_zone

            if log:
                log.info(
                    f"no demo landing zone yet: generating {DEMO_BUSINESSES} businesses "
                    f"over {DEMO_DAYS} days into {root}"
                )
            generate_landing_zone(root, businesses=DEMO_BUSINESSES, days=DEMO_DAYS, seed=DEMO_SEED)
