"""Orchestration: simulate the world day by day and write the landing zone.

`generate_landing_zone` is the one entry point (the CLI in `__main__` only
parses arguments).  For each day it evolves the world, writes the files of the
sources delivering that day into `<out>/<YYYY-MM-DD>/`, appends their rows to
`<out>/_truth/ground_truth.csv`, and marks complete deliveries with `_SUCCESS`.
Existing folders of the same dates (and `_truth`) are replaced.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from umkm.demo import writers
from umkm.demo.catalog import SourceSpec, all_sources
from umkm.demo.context import RenderContext
from umkm.demo.randomness import child_rng
from umkm.demo.schedule import DeliveryPlan, plan_deliveries
from umkm.demo.sources import COLUMNS
from umkm.demo.truth import append_truth, truth_rows, write_businesses
from umkm.demo.world import SourceState, World, create_world, evolve_world

DEFAULT_START_DATE = date(2026, 11, 24)
TRUTH_FOLDER = "_truth"
MARKETPLACE_CUT_SHARE = (0.3, 0.8)


@dataclass
class GenerationSummary:
    """What was written: rows per day and source, the broken file, the incomplete day, the truth files."""

    out_dir: Path
    seed: int
    businesses: int
    final_businesses: int
    delivery_dates: list[str]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    broken_file: dict[str, str] | None = None
    incomplete_date: str | None = None
    truth_path: Path | None = None
    businesses_path: Path | None = None

    @property
    def total_rows(self) -> int:
        """Data rows written over all days and sources."""
        return sum(sum(per_source.values()) for per_source in self.rows.values())

    def rows_on(self, delivery_date: str) -> int:
        """Data rows written on one delivery date."""
        return sum(self.rows.get(delivery_date, {}).values())


def _file_order(state: SourceState, population: pd.DataFrame) -> pd.Index:
    """Live records in the order the source writes them (R1 workbooks sort by kecamatan)."""
    live = state.live()
    if state.spec.fmt != "R1":
        return live
    records = state.records.loc[live]
    kecamatan = population["kecamatan"].to_numpy()[
        records["business_idx"].to_numpy().astype(np.int64)
    ]
    order = np.lexsort((records["key"].astype("str").to_numpy(), kecamatan))
    return live[order]


def _write_file(
    spec: SourceSpec,
    path: Path,
    cells: pd.DataFrame,
    ctx: RenderContext,
    seed: int,
    fault: str | None,
) -> writers.WriteResult:
    """Write one source file in its format, applying the fault if this is the broken file."""
    rng = child_rng(seed, "write", spec.key, ctx.day)
    columns = COLUMNS[spec.fmt]
    if spec.fmt == "R1":
        return writers.write_r1(path, cells, columns, ctx, seed)
    if spec.fmt == "R2":
        return writers.write_r2(path, cells, columns, rng, bad_bytes=fault == "r2_bad_bytes")
    if spec.fmt == "R3":
        return writers.write_r3(path, cells, columns, ctx, rng, fault)
    if spec.fmt == "LAZADA":
        return writers.write_lazada(path, cells, columns, ctx)
    if spec.fmt == "BUKALAPAK":
        return writers.write_bukalapak(path, cells, columns, rng)
    cut = rng.uniform(*MARKETPLACE_CUT_SHARE) if fault == "marketplace_cut" else None
    delimiter = ";" if spec.fmt == "BLIBLI" else ","
    return writers.write_text_table(
        path,
        cells,
        columns,
        delimiter=delimiter,
        bom=spec.bom,
        quote_everything=spec.fmt == "OSS",
        cut_fraction=cut,
    )


def _on_tiktok_and_tokopedia(world: World) -> np.ndarray:
    """Per business: currently listed on both TikTok Shop and Tokopedia."""
    size = len(world.population)
    listed = []
    for key in ("tiktokshop", "tokopedia"):
        state = world.sources[key]
        mask = np.zeros(size, dtype=bool)
        mask[state.records.loc[state.live(), "business_idx"].to_numpy().astype(np.int64)] = True
        listed.append(mask)
    return listed[0] & listed[1]


def _deliver_day(
    world: World, plan: DeliveryPlan, out_dir: Path, truth_path: Path, summary: GenerationSummary
) -> None:
    """Write every file delivered on the world's current day, and its truth rows."""
    day = world.day
    delivery_date = plan.dates[day].isoformat()
    day_dir = out_dir / delivery_date
    both = _on_tiktok_and_tokopedia(world)
    summary.rows[delivery_date] = {}
    for spec in world.specs:
        if spec.key not in plan.deliveries[day]:
            continue
        state = world.sources[spec.key]
        order = _file_order(state, world.population)
        broken = (
            plan.broken is not None and plan.broken.day == day and plan.broken.source == spec.key
        )
        path = day_dir / spec.path
        path.parent.mkdir(parents=True, exist_ok=True)
        result = _write_file(
            spec,
            path,
            state.cells.loc[order],
            world.context(spec),
            world.seed,
            plan.broken.kind if broken and plan.broken else None,
        )
        rows = truth_rows(
            spec,
            state.records.loc[order],
            state.cells.loc[order],
            world.population,
            result,
            delivery_date,
            broken,
            both,
        )
        append_truth(truth_path, rows)
        summary.rows[delivery_date][spec.key] = result.rows_in_file
        if broken and plan.broken:
            summary.broken_file = {
                "date": delivery_date,
                "source": spec.key,
                "kind": plan.broken.kind,
                "path": str(path),
            }
    for folder in ("registry", "oss", "marketplace"):
        (day_dir / folder).mkdir(parents=True, exist_ok=True)
    if day != plan.incomplete_day:
        (day_dir / "_SUCCESS").write_bytes(b"")


def _presence_matrix(world: World) -> dict[str, np.ndarray]:
    """Per source: which businesses ever had a usable record in it."""
    presence = {}
    for key, state in world.sources.items():
        mask = np.zeros(len(world.population), dtype=bool)
        usable = state.records["kind"].to_numpy() == "normal"
        mask[state.records.loc[usable, "business_idx"].to_numpy().astype(np.int64)] = True
        presence[key] = mask
    return presence


def _prepare_output(out_dir: Path, plan: DeliveryPlan) -> Path:
    """Clear this run's date folders and truth folder; return the truth CSV path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for folder in [out_dir / d.isoformat() for d in plan.dates] + [out_dir / TRUTH_FOLDER]:
        if folder.exists():
            shutil.rmtree(folder)
    (out_dir / TRUTH_FOLDER).mkdir()
    return out_dir / TRUTH_FOLDER / "ground_truth.csv"


def generate_landing_zone(
    out_dir: str | Path,
    businesses: int,
    days: int = 1,
    seed: int = 0,
    start_date: date = DEFAULT_START_DATE,
) -> GenerationSummary:
    """Write a demo landing zone of `days` daily deliveries for `businesses` Banten businesses."""
    if businesses < 1 or days < 1:
        raise ValueError("businesses and days must be at least 1")
    out_dir = Path(out_dir)
    specs = all_sources()
    plan = plan_deliveries(seed, specs, days, start_date)
    truth_path = _prepare_output(out_dir, plan)
    summary = GenerationSummary(
        out_dir,
        seed,
        businesses,
        businesses,
        [d.isoformat() for d in plan.dates],
        truth_path=truth_path,
        incomplete_date=plan.dates[plan.incomplete_day].isoformat()
        if plan.incomplete_day is not None
        else None,
    )
    world = create_world(seed, businesses, start_date, specs)
    for day in range(days):
        if day:
            evolve_world(world)
        _deliver_day(world, plan, out_dir, truth_path, summary)
    summary.final_businesses = int(world.population["in_banten"].sum())
    summary.businesses_path = out_dir / TRUTH_FOLDER / "businesses.csv"
    write_businesses(
        summary.businesses_path,
        world.population,
        _presence_matrix(world),
        [s.key for s in specs if s.is_registry],
        [s.key for s in specs if s.is_marketplace],
    )
    return summary
