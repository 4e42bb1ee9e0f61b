"""The landing zone: complete delivery folders and the candidate snapshots of each source.

A delivery is a folder named ``YYYY-MM-DD`` under the landing root that holds a ``_SUCCESS``
marker; folders without it are still being written and are ignored. The current snapshot of a
source is its file in the newest complete delivery that holds it; when that file is broken the
reader falls back to the next older one (see ``umkm.ingest.snapshots``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

_DELIVERY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SUCCESS_MARKER = "_SUCCESS"


@dataclass(frozen=True)
class Delivery:
    """One complete delivery folder."""

    delivered_on: date
    path: Path


@dataclass(frozen=True)
class SnapshotFile:
    """One source's file inside one delivery."""

    source: str
    delivered_on: date
    path: Path


def complete_deliveries(landing_root: Path) -> list[Delivery]:
    """Complete delivery folders under ``landing_root``, newest first.

    Raises FileNotFoundError with the path when the landing root does not exist.
    """
    root = Path(landing_root)
    if not root.is_dir():
        raise FileNotFoundError(f"landing zone {root} does not exist or is not a folder")
    deliveries = []
    for child in root.iterdir():
        if not (child.is_dir() and _DELIVERY_NAME.match(child.name)):
            continue
        if not (child / SUCCESS_MARKER).exists():
            continue
        try:
            delivered_on = date.fromisoformat(child.name)
        except ValueError:
            continue
        deliveries.append(Delivery(delivered_on, child))
    return sorted(deliveries, key=lambda d: d.delivered_on, reverse=True)


def incomplete_deliveries(landing_root: Path) -> list[str]:
    """Names of delivery folders that have no ``_SUCCESS`` marker (still being written)."""
    root = Path(landing_root)
    return sorted(
        child.name
        for child in root.iterdir()
        if child.is_dir()
        and _DELIVERY_NAME.match(child.name)
        and not (child / SUCCESS_MARKER).exists()
    )


def snapshot_candidates(
    deliveries: list[Delivery], source: str, relative_path: str
) -> list[SnapshotFile]:
    """The source's files in the given deliveries, newest first."""
    return [
        SnapshotFile(source, d.delivered_on, d.path / relative_path)
        for d in deliveries
        if (d.path / relative_path).is_file()
    ]


def pinned_delivery(landing_root: Path, requested: str | None) -> date | None:
    """The delivery a run reads as of: the requested one (a sensor's or schedule's
    ``YYYY-MM-DD``), else the newest complete one (None when there is none)."""
    if requested:
        try:
            return date.fromisoformat(requested)
        except ValueError:
            raise ValueError(
                f"the run asks for delivery {requested!r}, which is not a "
                "YYYY-MM-DD delivery folder name"
            ) from None
    complete = complete_deliveries(landing_root) if Path(landing_root).is_dir() else []
    return complete[0].delivered_on if complete else None
