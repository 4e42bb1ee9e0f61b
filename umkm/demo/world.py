"""The simulated world: the population and every source's records, day by day.

`create_world` builds the first day's state (population, hard cases, records
and their rendered cells).  `evolve_world` moves it one day on: a few
businesses close, ~1% of rows are edited (a phone reformatted, a typo fixed or
introduced, an address reworded), new businesses appear and some existing ones
open new shops.  Record keys never change; only the cells do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from umkm.demo.catalog import CLOSED_PLATFORMS, SourceSpec
from umkm.demo.context import RenderContext
from umkm.demo.geography import banten_villages, foreign_villages
from umkm.demo.population import build_population, plant_hard_cases
from umkm.demo.presence import (
    RECORD_COLUMNS,
    KeyBook,
    finish_records,
    mark_faulty_records,
    new_records,
)
from umkm.demo.randomness import child_rng, flags
from umkm.demo.sources import COLUMNS, MUTABLE_GROUPS, STATUS_COLUMNS, build_view, render_records

FOREIGN_SHARE = 0.05
CLOSURE_RATE = 0.0015
EDIT_RATE = 0.01
NEW_SHOP_RATE = 0.003
REMOVE_CLOSED_SHOP = 0.5
MAX_DAYS_FOR_KEY_BUDGET = 60


@dataclass
class SourceState:
    """One source's records (keys, owners, kinds) and their rendered cells, same index."""

    spec: SourceSpec
    records: pd.DataFrame
    cells: pd.DataFrame

    def append(self, records: pd.DataFrame, cells: pd.DataFrame) -> None:
        """Add new records after the existing ones."""
        start = len(self.records)
        index = pd.RangeIndex(start, start + len(records))
        records = records.set_axis(index)
        cells = cells.set_axis(index)
        self.records = pd.concat([self.records, records]) if start else records
        self.cells = pd.concat([self.cells, cells]) if start else cells

    def live(self) -> pd.Index:
        """Records currently listed by the source."""
        return self.records.index[~self.records["removed"].to_numpy()]


@dataclass
class World:
    """Population plus all sources' state on the current day."""

    seed: int
    start_date: date
    specs: list[SourceSpec]
    population: pd.DataFrame
    sources: dict[str, SourceState]
    keys: KeyBook
    day: int = 0

    def context(self, spec: SourceSpec, day: int | None = None) -> RenderContext:
        """Render context for a source on a day (default: the current day)."""
        return RenderContext(spec, self.start_date, self.day if day is None else day)


def _initial_population(seed: int, businesses: int, start_date: date) -> pd.DataFrame:
    """Banten businesses plus out-of-province sellers, with the hard cases planted."""
    banten = build_population(
        child_rng(seed, "population"), businesses, banten_villages(), "B", 1, start_date
    )
    foreign_count = int(round(businesses * FOREIGN_SHARE / (1 - FOREIGN_SHARE)))
    foreign = build_population(
        child_rng(seed, "foreign"),
        foreign_count,
        foreign_villages(),
        "X",
        1,
        start_date,
        kab_shares=None,
        taken_nibs=set(banten["nib"]),
    )
    population = pd.concat([banten, foreign], ignore_index=True)
    return plant_hard_cases(child_rng(seed, "hard_cases"), population)


def _key_budget(specs: list[SourceSpec], population_size: int) -> KeyBook:
    """Expected record counts per source, so key gaps leave room for growth."""
    grown = population_size * (1 + 0.01 * MAX_DAYS_FOR_KEY_BUDGET)
    expected = {spec.key: int(spec.presence * grown * 1.2) + 50 for spec in specs}
    expected["lazada_wide"] = 1000
    return KeyBook(expected)


def _render_by_format(
    world: World, records_by_source: dict[str, pd.DataFrame], label: str
) -> dict[str, pd.DataFrame]:
    """Cells for records of several sources, one renderer call per format, as of the current day."""
    specs = {spec.key: spec for spec in world.specs}
    keys_by_format: dict[str, list[str]] = {}
    for key, records in records_by_source.items():
        if len(records):
            keys_by_format.setdefault(specs[key].fmt, []).append(key)
    rendered = {}
    for fmt, keys in keys_by_format.items():
        combined = pd.concat(
            [records_by_source[key].assign(source=key) for key in keys], ignore_index=True
        )
        view = build_view(world.population, combined)
        rng = child_rng(world.seed, label, fmt, world.day)
        cells = render_records(view, rng, world.context(specs[keys[0]]))
        sources = combined["source"].to_numpy()
        for key in keys:
            rendered[key] = cells[sources == key].set_axis(records_by_source[key].index)
    return rendered


def _add_records(world: World, batch: dict[str, pd.DataFrame]) -> None:
    """Key, mark, render and append new records, source by source."""
    finished = {}
    for spec in world.specs:
        records = batch.get(spec.key)
        if records is None or records.empty:
            continue
        rng = child_rng(world.seed, "records", spec.key, world.day)
        records = finish_records(rng, spec, world.keys, records, world.population, world.day)
        finished[spec.key] = mark_faulty_records(rng, spec, records, world.population)
    rendered = _render_by_format(world, finished, "render")
    for spec in world.specs:
        if spec.key not in finished:
            continue
        if spec.key not in world.sources:
            world.sources[spec.key] = SourceState(
                spec, finished[spec.key].iloc[:0], rendered[spec.key].iloc[:0]
            )
        world.sources[spec.key].append(finished[spec.key], rendered[spec.key])


def create_world(seed: int, businesses: int, start_date: date, specs: list[SourceSpec]) -> World:
    """The state of every source on the first delivery day."""
    population = _initial_population(seed, businesses, start_date)
    world = World(seed, start_date, specs, population, {}, _key_budget(specs, len(population)))
    batch = new_records(
        child_rng(seed, "presence", 0), specs, population, np.arange(len(population)), 0
    )
    _add_records(world, batch)
    for spec in specs:
        if spec.key not in world.sources:
            empty = pd.DataFrame(columns=list(RECORD_COLUMNS))
            world.sources[spec.key] = SourceState(
                spec, empty, pd.DataFrame(columns=list(COLUMNS[spec.fmt]))
            )
    return world


def _close_businesses(world: World, rng: np.random.Generator) -> None:
    """A few businesses close: registry status TUTUP, shops inactive or delisted."""
    open_banten = (
        world.population["in_banten"].to_numpy()
        & (world.population["status"] != "TUTUP").to_numpy()
    )
    closing = open_banten & flags(rng, len(world.population), CLOSURE_RATE)
    world.population.loc[closing, "status"] = "TUTUP"
    to_rerender = {}
    for key, state in world.sources.items():
        live = state.live()
        owners = state.records.loc[live, "business_idx"].to_numpy().astype(np.int64)
        affected = live[closing[owners]]
        if state.spec.fmt in STATUS_COLUMNS:
            to_rerender[key] = state.records.loc[affected]
        elif state.spec.is_marketplace:
            delist = affected[flags(rng, len(affected), REMOVE_CLOSED_SHOP)]
            state.records.loc[delist, "removed"] = True
    for key, fresh in _render_by_format(world, to_rerender, "close").items():
        columns = list(STATUS_COLUMNS[world.sources[key].spec.fmt])
        world.sources[key].cells.loc[fresh.index, columns] = fresh[columns]


def _edit_rows(world: World, rng: np.random.Generator) -> None:
    """~1% of live normal rows per source get one group of columns re-rendered."""
    chosen = {}
    for key, state in world.sources.items():
        live = state.live()
        normal = live[(state.records.loc[live, "kind"] == "normal").to_numpy()]
        chosen[key] = state.records.loc[normal[flags(rng, len(normal), EDIT_RATE)]]
    for key, fresh in _render_by_format(world, chosen, "edit").items():
        state = world.sources[key]
        groups = MUTABLE_GROUPS[state.spec.fmt]
        group_of_row = rng.choice(list(groups), size=len(fresh))
        for group, columns in groups.items():
            rows = fresh.index[group_of_row == group]
            state.cells.loc[rows, list(columns)] = fresh.loc[rows, list(columns)]


def _newcomers(world: World, rng: np.random.Generator) -> np.ndarray:
    """New businesses (0.5-1% of Banten's count, plus a few outside Banten); their row numbers."""
    population = world.population
    banten_count = int(population["in_banten"].sum())
    count = int(round(banten_count * rng.uniform(0.005, 0.01)))
    foreign_count = int(round(count * FOREIGN_SHARE))
    next_banten = banten_count + 1
    next_foreign = len(population) - banten_count + 1
    taken = set(population["nib"])
    banten = build_population(
        child_rng(world.seed, "newcomers", world.day),
        count,
        banten_villages(),
        "B",
        next_banten,
        world.start_date,
        world.day,
        taken_nibs=taken,
    )
    foreign = build_population(
        child_rng(world.seed, "foreign_newcomers", world.day),
        foreign_count,
        foreign_villages(),
        "X",
        next_foreign,
        world.start_date,
        world.day,
        kab_shares=None,
        taken_nibs=taken | set(banten["nib"]),
    )
    world.population = pd.concat([population, banten, foreign], ignore_index=True)
    return np.arange(len(population), len(world.population))


def _new_shops(world: World, rng: np.random.Generator, existing: int) -> dict[str, pd.DataFrame]:
    """Some existing businesses open a shop on one more platform (or a second shop)."""
    platforms = [
        spec for spec in world.specs if spec.is_marketplace and spec.key not in CLOSED_PLATFORMS
    ]
    still_open = (world.population["status"].iloc[:existing] != "TUTUP").to_numpy()
    opening = np.flatnonzero(flags(rng, existing, NEW_SHOP_RATE) & still_open)
    weights = np.array([spec.presence for spec in platforms])
    platform_of = rng.choice(len(platforms), size=len(opening), p=weights / weights.sum())
    shops = {}
    for number, spec in enumerate(platforms):
        owners = opening[platform_of == number]
        already = np.isin(owners, world.sources[spec.key].records["business_idx"].to_numpy())
        shops[spec.key] = pd.DataFrame({"business_idx": owners, "shop_no": already.astype(np.int8)})
    return shops


def evolve_world(world: World) -> None:
    """Move the world one day on."""
    world.day += 1
    rng = child_rng(world.seed, "evolve", world.day)
    _close_businesses(world, rng)
    _edit_rows(world, rng)
    existing = len(world.population)
    newcomers = _newcomers(world, rng)
    batch = new_records(
        child_rng(world.seed, "presence", world.day),
        world.specs,
        world.population,
        newcomers,
        world.day,
    )
    for key, shops in _new_shops(world, rng, existing).items():
        batch[key] = pd.concat([batch[key], shops], ignore_index=True)
    _add_records(world, batch)
