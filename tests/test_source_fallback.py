"""One source failing never stops the night: the nightly job end to end, with the reader made
to raise for one source (as any unforeseen file could make it).

The run must succeed and publish every other source as usual; the failing source falls back
to its last snapshot that processed, or else to its records as last published (the archive
``restricted.canonical_record``), so that its businesses stay and keep their ids; it gets a
failed, non-blocking check, a ``failed`` row in ``quality.source_delivery`` and a line in
the run's summary.
"""

from __future__ import annotations

import dagster as dg
import pytest

import umkm.ingest.snapshots
from tests.conftest import query, run_nightly
from umkm.cli.report import summary_lines
from umkm.publish.warehouse import copy_duckdb_warehouse

#: nightly runs with failing readers
pytestmark = pytest.mark.slow

FAILING = "shopee"


@pytest.fixture(scope="module")
def first_night(small_landing, tmp_path_factory):
    """The warehouse after one good night, its file copied per test."""
    warehouse = tmp_path_factory.mktemp("fallback") / "warehouse.duckdb"
    _run(small_landing, warehouse)
    return warehouse


def _run(landing, warehouse) -> dg.ExecuteInProcessResult:
    return run_nightly(landing, warehouse)


def _reader_raising_for(source_path: str, only_newest: str | None = None):
    real = umkm.ingest.snapshots.read_source_file

    def reader(path, fmt):
        if str(path).endswith(source_path) and (only_newest is None or only_newest in str(path)):
            raise TypeError("invalid entry 0 in condlist: should be boolean ndarray")
        return real(path, fmt)

    return reader


def _links(warehouse, source=None):
    where = f"WHERE source = '{source}'" if source else ""
    return query(
        warehouse,
        "SELECT source, source_record_id, umkm_id FROM "
        f"curated.umkm_source_record {where} ORDER BY 1, 2",
    )


def _copy(first_night, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    copy_duckdb_warehouse(first_night, warehouse)
    return warehouse


def test_a_source_whose_every_file_raises_keeps_its_records_and_ids(
    first_night, small_landing, tmp_path, monkeypatch
):
    warehouse = _copy(first_night, tmp_path)
    before = _links(warehouse)
    spec_path = "marketplace/shopee_shops.csv"
    monkeypatch.setattr(umkm.ingest.snapshots, "read_source_file", _reader_raising_for(spec_path))
    result = _run(small_landing, warehouse)

    after = _links(warehouse)
    assert len(_links(warehouse, FAILING)) == len(before[before["source"] == FAILING]) > 0
    # every business keeps its id: the same inputs, one source from its archive
    assert after.equals(before)

    deliveries = query(
        warehouse,
        """
        SELECT * FROM quality.source_delivery WHERE run_id = (
            SELECT run_id FROM quality.run_metrics ORDER BY run_started_at DESC LIMIT 1)""",
    )
    shopee = deliveries[deliveries["source"] == FAILING]
    assert set(shopee["status"]) == {"failed", "archive"}
    assert shopee.loc[shopee["status"] == "failed", "message"].str.contains("TypeError").all()
    others = deliveries[deliveries["source"] != FAILING]
    assert (others.groupby("source")["status"].apply(lambda s: "current" in set(s))).all()

    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    held = checks[(f"source_{FAILING}", "raw_schema")]
    assert not held.passed and held.severity == dg.AssetCheckSeverity.WARN
    assert "records of its last successful run" in held.description
    assert checks[(f"source_{FAILING}", "conservation")].passed
    assert checks[("source_tokopedia", "raw_schema")].passed
    summary = "\n".join(summary_lines(f"duckdb:///{warehouse}"))
    assert FAILING in summary and "failed" in summary


def test_a_source_whose_newest_file_raises_falls_back_to_its_previous_snapshot(
    first_night, small_landing, tmp_path, monkeypatch
):
    warehouse = _copy(first_night, tmp_path)
    used = query(
        warehouse,
        f"""SELECT delivered_on FROM quality.source_delivery
                                WHERE source = '{FAILING}' AND status = 'current'""",
    )
    newest = str(used["delivered_on"].max().date())
    files = sorted(small_landing.glob("*/marketplace/shopee_shops.csv"))
    assert len(files) >= 2, "the generated landing zone delivers shopee once only"
    monkeypatch.setattr(
        umkm.ingest.snapshots,
        "read_source_file",
        _reader_raising_for("marketplace/shopee_shops.csv", only_newest=newest),
    )
    _run(small_landing, warehouse)
    latest = query(
        warehouse,
        f"""
        SELECT status, delivered_on FROM quality.source_delivery WHERE source = '{FAILING}'
          AND run_id = (SELECT run_id FROM quality.run_metrics
                        ORDER BY run_started_at DESC LIMIT 1)""",
    )
    statuses = dict(zip(latest["status"], latest["delivered_on"].dt.date.astype(str)))
    assert statuses["failed"] == newest and statuses["current"] < newest
    assert len(_links(warehouse, FAILING)) > 0
