"""Which source delivers on which day, and which delivery goes wrong.

Day 1 is a full delivery of all 29 files.  Later days carry Tokopedia and
Shopee always, the other sources with their own probability, never the closed
platforms (jdid, blanja).  With two or more days exactly one later delivery has
one broken file; with three or more the newest folder is left incomplete
(no `_SUCCESS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from umkm.demo.catalog import SourceSpec
from umkm.demo.randomness import child_rng

BROKEN_KINDS = ("cilegon_truncated", "cilegon_cut", "marketplace_cut", "r2_bad_bytes")


@dataclass(frozen=True)
class BrokenFile:
    """The one broken file: on which day (index), of which source, broken how."""

    day: int
    source: str
    kind: str


@dataclass(frozen=True)
class DeliveryPlan:
    """Delivery dates, the sources delivering each day, the broken file and the incomplete day."""

    dates: list[date]
    deliveries: list[list[str]]
    broken: BrokenFile | None
    incomplete_day: int | None


def _broken_file(seed: int, days: int) -> BrokenFile | None:
    """Pick the broken file's day (never the first, never the incomplete last) and kind."""
    if days < 2:
        return None
    rng = child_rng(seed, "broken_file")
    day = 1 if days == 2 else int(rng.integers(1, days - 1))
    kind = str(rng.choice(BROKEN_KINDS))
    if kind.startswith("cilegon"):
        source = "registry_3672"
    elif kind == "marketplace_cut":
        source = str(rng.choice(["tokopedia", "shopee"]))
    else:
        source = str(rng.choice(["registry_3603", "registry_3671", "registry_3674"]))
    return BrokenFile(day, source, kind)


def plan_deliveries(
    seed: int, specs: list[SourceSpec], days: int, start_date: date
) -> DeliveryPlan:
    """The whole delivery schedule for a run."""
    rng = child_rng(seed, "schedule")
    broken = _broken_file(seed, days)
    deliveries = [[spec.key for spec in specs]]
    for day in range(1, days):
        delivered = [spec.key for spec in specs if rng.random() < spec.later_delivery]
        if broken and broken.day == day and broken.source not in delivered:
            delivered.append(broken.source)
        deliveries.append([spec.key for spec in specs if spec.key in delivered])
    dates = [start_date + timedelta(days=day) for day in range(days)]
    incomplete = days - 1 if days >= 3 else None
    return DeliveryPlan(dates, deliveries, broken, incomplete)
