"""The file memo: a file read before is taken from the memo, and what the memo gives back is
exactly what a fresh read gives (frames with their dtypes, rows read, warnings), for the demo
files and for hostile files of every format; a changed file, changed reading code or a damaged
entry means a fresh read; an unusable file is never kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given

from schemas.catalog import SOURCES, SOURCES_BY_KEY
from tests.hostile_files import HostileFile, hostile_file
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
