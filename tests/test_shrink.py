"""A file cut short at a row boundary looks whole; it must not take businesses out of the
register. The nightly job holds a source whose new file is far smaller than its last snapshot,
and when a real drop is accepted, the businesses that come back later get their ids back."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from tests.conftest import query, run_nightly

#: nightly runs with a shrunken file
pytestmark = pytest.mark.slow

SHOPEE = "marketplace/shopee_shops.csv"
SQL_SHOPEE = (
    "SELECT source_record_id, umkm_id FROM curated.umkm_source_record "
    "WHERE source = 'shopee' ORDER BY 1"
)


def _night(landing, warehouse, accept_shrink=False) -> dg.ExecuteInProcessResult:
    config = {"ops": {"source_shopee": {"config": {"accept_shrink": accept_shrink}}}}
    return run_nightly(landing, warehouse, run_config=config)


def _delivery(landing, day: str, shopee_bytes: bytes) -> None:
    path = landing / day / SHOPEE
    path.parent.mkdir(parents=True)
    path.write_bytes(shopee_bytes)
    (landing / day / "_SUCCESS").write_bytes(b"")


@pytest.fixture
def first_night(small_landing, tmp_path):
    """Night one on the first delivery; the Shopee file, whole and cut to 40 % of its rows at
    a row boundary."""
    landing = tmp_path / "landing"
    first_day = min(p for p in small_landing.iterdir() if (p / "_SUCCESS").exists())
    shutil.copytree(first_day, landing / first_day.name)
    whole = (landing / first_day.name / SHOPEE).read_bytes()
    lines = whole.splitlines(keepends=True)
    cut = b"".join(lines[: 1 + int(0.4 * (len(lines) - 1))])
    warehouse = tmp_path / "warehouse.duckdb"
    _night(landing, warehouse)
    return landing, warehouse, whole, cut


def test_a_shrunken_file_is_held_and_the_register_keeps_its_businesses(first_night):
    landing, warehouse, whole, cut = first_night
    before = query(warehouse, SQL_SHOPEE)
    businesses = query(warehouse, "SELECT count(*) AS n FROM curated.umkm")["n"][0]
    _delivery(landing, "2026-12-10", cut)
    result = _night(landing, warehouse)

    held = query(
        warehouse,
        """SELECT status, message FROM quality.source_delivery
                               WHERE source = 'shopee' AND run_id = (SELECT run_id FROM
                               quality.publication ORDER BY published_at DESC LIMIT 1)""",
    )
    message = held.loc[held["status"] == "held", "message"].iloc[0]
    assert f"{len(cut.splitlines()) - 1} rows" in message
    assert f"last snapshot had {len(whole.splitlines()) - 1}" in message
    assert query(warehouse, SQL_SHOPEE).equals(before)
    assert query(warehouse, "SELECT count(*) AS n FROM curated.umkm")["n"][0] == businesses
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == "source_shopee" and e.check_name == "raw_schema"
    )
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "held at" in check.description and "accept_shrink" in check.description


def test_an_accepted_drop_retires_and_the_return_revives_the_same_ids(first_night):
    landing, warehouse, whole, cut = first_night
    before = query(warehouse, SQL_SHOPEE)
    _delivery(landing, "2026-12-10", cut)
    _night(landing, warehouse, accept_shrink=True)
    during = query(warehouse, SQL_SHOPEE)
    assert len(during) < 0.6 * len(before)
    _delivery(landing, "2026-12-11", whole)
    _night(landing, warehouse)
    after = query(warehouse, SQL_SHOPEE)
    assert set(after["source_record_id"]) == set(before["source_record_id"])
    same = before.merge(after, on="source_record_id", suffixes=("_before", "_after"))
    assert (same["umkm_id_before"] == same["umkm_id_after"]).mean() > 0.99
    events = query(
        warehouse, "SELECT event, count(*) AS n FROM quality.umkm_id_history GROUP BY event"
    ).set_index("event")["n"]
    assert events.get("revived", 0) > 0
