"""The file memo: a file read before is taken from the memo, and what the memo gives back is
exactly what a fresh read gives (frames with their dtypes, rows read, warnings), for the demo
files and for hostile files of every format; a changed file, changed reading code or a damaged
entry means a fresh read; an unusable file is never kept."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.catalog import SOURCES, SOURCES_BY_KEY
from tests.hostile_files import CELL, HostileFile, hostile_file
from tests.test_fuzz_sources import HOSTILE_SETTINGS, delivered
from umkm.ingest import file_memo
from umkm.ingest.file_memo import FileMemo
from umkm.ingest.landing import Delivery, complete_deliveries
from umkm.ingest.snapshots import BROKEN, SourceSnapshot, load_source_snapshot

#: one source per format
ONE_PER_FORMAT = list({spec.format.name: spec.key for spec in SOURCES}.values())


def assert_same_snapshot(fresh: SourceSnapshot, kept: SourceSnapshot) -> None:
    assert kept.records_read == fresh.records_read
    assert kept.warnings == fresh.warnings
    assert (kept.snapshot_date, kept.source_file) == (fresh.snapshot_date, fresh.source_file)
    pd.testing.assert_frame_equal(kept.accepted, fresh.accepted)
    pd.testing.assert_frame_equal(kept.rejected, fresh.rejected)
    pd.testing.assert_frame_equal(kept.deliveries, fresh.deliveries)


@pytest.fixture(scope="module")
def deliveries(small_landing) -> list[Delivery]:
    return complete_deliveries(small_landing)


@pytest.mark.slow  # three reads of each of the 29 sources, about 15 s
def test_every_source_read_again_comes_from_the_memo_as_a_fresh_read_gives_it(deliveries, tmp_path):
    memo = FileMemo(tmp_path / "memo")
    for spec in SOURCES:
        fresh = load_source_snapshot(deliveries, spec)
        first = load_source_snapshot(deliveries, spec, memo=memo)
        again = load_source_snapshot(deliveries, spec, memo=memo)
        assert not fresh.from_memo and not first.from_memo, spec.key
        assert again.from_memo, spec.key
        assert_same_snapshot(fresh, first)
        assert_same_snapshot(fresh, again)
    assert oct((tmp_path / "memo").stat().st_mode & 0o777) == oct(0o700)
    assert {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "memo").rglob("*.pickle")} == {
        oct(0o600)
    }


def _copy_of(deliveries: list[Delivery], root: Path) -> list[Delivery]:
    copied = []
    for delivery in deliveries:
        target = root / delivery.path.name
        shutil.copytree(delivery.path, target)
        copied.append(Delivery(delivery.delivered_on, target))
    return copied


def test_a_landing_zone_mounted_elsewhere_keeps_its_memo(deliveries, tmp_path):
    memo = FileMemo(tmp_path / "memo")
    copied = _copy_of(deliveries, tmp_path / "landing")
    for spec in (SOURCES_BY_KEY[key] for key in ONE_PER_FORMAT):
        load_source_snapshot(deliveries, spec, memo=memo)
        moved = load_source_snapshot(copied, spec, memo=memo)
        assert moved.from_memo, spec.key
        assert_same_snapshot(load_source_snapshot(copied, spec), moved)


def test_a_changed_file_or_changed_reading_code_is_read_afresh(deliveries, tmp_path, monkeypatch):
    copied = _copy_of(deliveries, tmp_path / "landing")
    memo = FileMemo(tmp_path / "memo")
    spec = SOURCES_BY_KEY["tokopedia"]
    first = load_source_snapshot(copied, spec, memo=memo)
    path = Path(first.source_file)
    path.write_bytes(path.read_bytes().replace(b"Toko", b"Tokk", 1))
    changed = load_source_snapshot(copied, spec, memo=memo)
    assert not changed.from_memo
    assert load_source_snapshot(copied, spec, memo=memo).from_memo
    monkeypatch.setattr(file_memo, "reading_fingerprint", lambda: "other code")
    assert not load_source_snapshot(copied, spec, memo=memo).from_memo


def test_a_damaged_entry_is_read_afresh(deliveries, tmp_path):
    memo = FileMemo(tmp_path / "memo")
    spec = SOURCES_BY_KEY["shopee"]
    fresh = load_source_snapshot(deliveries, spec, memo=memo)
    (entry,) = (tmp_path / "memo" / spec.key).glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    again = load_source_snapshot(deliveries, spec, memo=memo)
    assert not again.from_memo
    assert_same_snapshot(fresh, again)


def test_an_unusable_file_is_never_kept(deliveries, tmp_path):
    spec = SOURCES_BY_KEY["shopee"]
    newest = deliveries[0]
    root = tmp_path / "landing" / newest.path.name
    (root / spec.path).parent.mkdir(parents=True)
    (root / spec.path).write_bytes(b"\x00\x01 not a file of this format")
    (root / "_SUCCESS").write_bytes(b"")
    memo = FileMemo(tmp_path / "memo")
    for _ in range(2):
        snapshot = load_source_snapshot([Delivery(newest.delivered_on, root)], spec, memo=memo)
        assert snapshot.deliveries["status"].iloc[0] == BROKEN
    assert not list((tmp_path / "memo").rglob("*.pickle"))


@pytest.mark.slow
@pytest.mark.parametrize("source_key", ONE_PER_FORMAT)
def test_whatever_a_file_holds_the_memo_gives_back_what_a_fresh_read_gives(source_key):
    source = SOURCES_BY_KEY[source_key]

    @HOSTILE_SETTINGS
    @given(drawn=hostile_file(source))
    def round_trips(drawn: HostileFile) -> None:
        with delivered(drawn) as (deliveries, root):
            memo = FileMemo(root / "memo")
            fresh = load_source_snapshot(deliveries, source)
            load_source_snapshot(deliveries, source, memo=memo)
            again = load_source_snapshot(deliveries, source, memo=memo)
            kept = bool(list((root / "memo").rglob("*.pickle")))
            assert again.from_memo == kept
            assert_same_snapshot(fresh, again)

    round_trips()


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(ONE_PER_FORMAT, id="one-source-per-format"),
        # every source (about 19 s) with the slow tests
        pytest.param([spec.key for spec in SOURCES], id="every-source", marks=pytest.mark.slow),
    ],
)
def test_a_new_file_of_a_source_standardises_only_the_rows_not_accepted_before(
    small_landing, tmp_path, monkeypatch, keys
):
    """Every source of ``keys`` that delivered twice: its second file read after the first
    through the memo gives exactly what a fresh read gives, and standardises only its new
    rows."""
    days = complete_deliveries(small_landing)
    first_day, second_day = days[-1], days[-2]
    from umkm.ingest import snapshots

    standardised: list[int] = []
    real = snapshots.standardise_source

    def counting(fields, spec, delivered_on):
        standardised.append(len(fields))
        return real(fields, spec, delivered_on)

    both = [
        SOURCES_BY_KEY[key]
        for key in keys
        if (first_day.path / SOURCES_BY_KEY[key].path).exists()
        and (second_day.path / SOURCES_BY_KEY[key].path).exists()
    ]
    assert len(both) >= 5
    memo = FileMemo(tmp_path / "memo")
    for spec in both:
        load_source_snapshot([first_day], spec, memo=memo)
        fresh = load_source_snapshot([second_day], spec)
        monkeypatch.setattr(snapshots, "standardise_source", counting)
        standardised.clear()
        again = load_source_snapshot([second_day], spec, memo=memo)
        monkeypatch.setattr(snapshots, "standardise_source", real)
        assert not again.from_memo, spec.key
        assert_same_snapshot(fresh, again)
        if fresh.source_file == str(second_day.path / spec.path):  # not a broken file
            assert standardised[0] < fresh.records_read / 2, (spec.key, standardised)


#: one source of each format whose rows are lines of text (a CSV or JSON Lines file)
LINE_FORMATS = [
    spec.key
    for spec in (SOURCES_BY_KEY[key] for key in ONE_PER_FORMAT)
    if spec.format.reader in ("csv", "json_lines")
]


@st.composite
def edited_lines(draw, content: bytes) -> bytes:
    """A file made of ``content``'s lines after its first: some dropped, repeated or moved,
    a few with a cell's text (between two quotes, delimiters or line ends) replaced by
    hostile text."""
    head, *lines = content.rstrip(b"\n").split(b"\n")
    order = draw(st.lists(st.integers(0, len(lines) - 1), min_size=1, max_size=60))
    body = [lines[i] for i in order]
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(body) - 1))
        pieces = re.split(rb'([;,"])', body[at])
        cell = draw(st.integers(0, len(pieces) - 1))
        pieces[cell] = draw(CELL).encode("utf-8", "replace")
        body[at] = b"".join(pieces)
    return b"\n".join([head, *body, b""])


@pytest.mark.slow
@pytest.mark.parametrize("source_key", LINE_FORMATS)
def test_rows_taken_from_the_last_file_give_what_a_fresh_read_gives(
    source_key, small_landing, tmp_path_factory
):
    """A demo file, then another made of its rows (dropped, repeated, moved, cells replaced
    by hostile text): the second read through the memo gives exactly what a fresh read gives,
    however many of its rows it takes from the first."""
    source = SOURCES_BY_KEY[source_key]
    first = next(
        d.path / source.path
        for d in reversed(complete_deliveries(small_landing))
        if (d.path / source.path).exists()
    )
    content = first.read_bytes()

    @HOSTILE_SETTINGS
    @given(edited=edited_lines(content))
    def reuses_exactly(edited: bytes) -> None:
        with delivered(HostileFile(source, content, shape="demo file")) as (days, root):
            later = root / "2026-11-25"
            HostileFile(source, edited, shape="edited").write(later)
            (later / "_SUCCESS").write_bytes(b"")
            memo = FileMemo(root / "memo")
            load_source_snapshot(days, source, memo=memo)
            tonight = [Delivery(date(2026, 11, 25), later)]
            fresh = load_source_snapshot(tonight, source)
            assert_same_snapshot(fresh, load_source_snapshot(tonight, source, memo=memo))

    reuses_exactly()
