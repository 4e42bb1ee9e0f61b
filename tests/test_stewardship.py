"""The data stewards' loop: the review queue, decisions that override the model and survive
every night, ids that follow them, contradictions that stop the night, the source scorecard."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from tests.conftest import query, run_nightly
from umkm.cli.review import decide, export_queue, import_queue
from umkm.resolution.stewardship import read_decisions

#: nightly runs with the stewards' decisions
pytestmark = pytest.mark.slow

SQL_IDS = "SELECT source, source_record_id, umkm_id FROM curated.umkm_source_record"


def _night(landing, warehouse, retrain=False) -> dg.ExecuteInProcessResult:
    config = {"ops": {"matched_records": {"config": {"retrain_model": retrain}}}}
    return run_nightly(landing, warehouse, run_config=config, raise_on_error=False)


def _ids(warehouse) -> pd.Series:
    frame = query(warehouse, SQL_IDS)
    return frame.set_index(frame["source"] + ":" + frame["source_record_id"])["umkm_id"]


@pytest.fixture(scope="module")
def stewarded(small_landing, tmp_path_factory):
    """Night one; then a steward splits a business the model made and joins two it kept
    apart, and the decisions meet three more nights: incremental, retrained, incremental."""
    warehouse = tmp_path_factory.mktemp("steward") / "warehouse.duckdb"
    url = f"duckdb:///{warehouse}"
    nights = []
    assert _night(small_landing, warehouse).success
    ids = _ids(warehouse)
    sizes = ids.map(ids.value_counts())
    pair = ids[sizes == 2].sort_index()
    split_a, split_b = pair[pair == pair.iloc[0]].index[:2]
    singles = ids[sizes == 1].sort_index().index
    join_a, join_b = singles[0], singles[-1]
    before = ids.copy()
    split = decide(
        url,
        "different_businesses",
        split_a,
        split_b,
        by="steward@test",
        reason="two shops, two owners",
    )
    joined = decide(
        url, "same_business", join_a, join_b, by="steward@test", reason="the owner says so"
    )
    for retrain in (False, True, False):
        result = _night(small_landing, warehouse, retrain=retrain)
        assert result.success
        nights.append((result, _ids(warehouse)))
    return {
        "warehouse": warehouse,
        "url": url,
        "before": before,
        "nights": nights,
        "split": (split_a, split_b, int(split["decision_id"][0])),
        "joined": (join_a, join_b, int(joined["decision_id"][0])),
    }


def test_a_cannot_link_splits_and_a_must_link_merges_on_every_night(stewarded):
    (split_a, split_b, _), (join_a, join_b, _) = stewarded["split"], stewarded["joined"]
    before = stewarded["before"]
    assert before[split_a] == before[split_b] and before[join_a] != before[join_b]
    for _result, ids in stewarded["nights"]:  # incremental, retrained, incremental again
        assert ids[split_a] != ids[split_b]
        assert ids[join_a] == ids[join_b]
    figures = [
        next(iter(r.asset_materializations_for_node("matched_records"))).metadata
        for r, _ in stewarded["nights"]
    ]
    assert [f["night"].value for f in figures] == ["incremental", "full", "incremental"]
    assert [f["model_trained_now"].value for f in figures] == [False, True, False]


def test_ids_follow_decisions_by_the_usual_rules_with_the_decision_as_cause(stewarded):
    (split_a, split_b, split_id), (join_a, join_b, join_id) = (
        stewarded["split"],
        stewarded["joined"],
    )
    before, (_, after) = stewarded["before"], stewarded["nights"][0]
    # the split business keeps its id on one part, the other part gets a new one (a split)
    assert before[split_a] in (after[split_a], after[split_b])
    # the merged business keeps one of the two old ids, the other is merged into it
    survivor, gone = after[join_a], ({before[join_a], before[join_b]} - {after[join_a]}).pop()
    assert survivor in (before[join_a], before[join_b])
    history = query(stewarded["warehouse"], "SELECT * FROM quality.umkm_id_history")
    merged = history[(history["event"] == "merged") & (history["umkm_id"] == gone)]
    assert merged["related_umkm_id"].tolist() == [survivor]
    assert merged["cause"].tolist() == [f"steward decision {join_id}"]
    split = history[(history["event"] == "split") & (history["related_umkm_id"] == before[split_a])]
    assert split["cause"].str.contains(f"steward decision {split_id}").all() and len(split)
    retired = query(stewarded["warehouse"], "SELECT * FROM curated.umkm_retired_id")
    assert retired.set_index("retired_umkm_id").loc[gone, "successor_umkm_id"] == survivor


def test_contradicting_decisions_fail_the_check_and_publish_nothing(
    stewarded, small_landing, tmp_path
):
    import shutil

    from umkm.publish.warehouse import copy_duckdb_warehouse

    warehouse = tmp_path / "warehouse.duckdb"
    copy_duckdb_warehouse(stewarded["warehouse"], warehouse)
    steward_file = stewarded["warehouse"].with_name("warehouse.steward.duckdb")
    shutil.copy(steward_file, tmp_path / "warehouse.steward.duckdb")
    url = f"duckdb:///{warehouse}"
    a, b, _ = stewarded["split"]  # a and b are different businesses ...
    c = stewarded["joined"][0]
    decide(url, "same_business", a, c, by="x", reason="one")  # ... yet a = c
    decide(url, "same_business", c, b, by="x", reason="two")  # ... and c = b
    published = query(warehouse, "SELECT count(*) AS n FROM quality.publication")["n"][0]
    result = _night(small_landing, warehouse)
    assert not result.success
    (check,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "steward_decisions"
    ]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert (
        f"decision {stewarded['split'][2]} (different businesses) contradicts" in check.description
    )
    assert query(warehouse, "SELECT count(*) AS n FROM quality.publication")["n"][0] == published


def test_a_decision_on_vanished_records_is_reported(stewarded, small_landing, tmp_path):
    import shutil

    from umkm.publish.warehouse import copy_duckdb_warehouse

    warehouse = tmp_path / "warehouse.duckdb"
    copy_duckdb_warehouse(stewarded["warehouse"], warehouse)
    shutil.copy(
        stewarded["warehouse"].with_name("warehouse.steward.duckdb"),
        tmp_path / "warehouse.steward.duckdb",
    )
    url = f"duckdb:///{warehouse}"
    gone = decide(url, "detach", "shopee:no-such-shop", None, by="x", reason="closed")
    result = _night(small_landing, warehouse)
    assert result.success  # a vanished record is a warning, not a stop
    (check,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "steward_decisions"
    ]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    status = query(warehouse, "SELECT * FROM quality.steward_decision_status")
    row = status[status["decision_id"] == gone["decision_id"][0]]
    assert row["status"].tolist() == ["vanished"]


def test_the_queue_is_ranked_stable_and_holds_no_personal_data(stewarded):
    queue = query(stewarded["warehouse"], "SELECT * FROM quality.review_queue")
    assert len(queue) > 10 and queue["rank"].tolist() == list(range(1, len(queue) + 1))
    assert queue["impact"].is_monotonic_decreasing and queue["review_id"].is_unique
    assert set(queue["kind"]) <= {"weak_link", "large_cluster", "possible_match", "cut_link"}
    assert {"weak_link", "cut_link"} <= set(queue["kind"])
    personal = query(stewarded["warehouse"], "SELECT * FROM restricted.source_record_personal_data")
    clear = set()
    for column in ("owner_name", "nik", "phone_e164", "email", "address"):
        clear |= set(personal[column].dropna())
    for column in queue.columns:
        assert not set(queue[column].dropna().astype(str)) & clear, column


def test_importing_a_filled_in_export_applies_its_decisions(stewarded, tmp_path):
    url = stewarded["url"]
    path = tmp_path / "queue.xlsx"
    assert export_queue(url, path, top=5) == 5
    filled = pd.read_excel(path, dtype=str, keep_default_na=False)
    filled.loc[0, "decision"] = "different_businesses"
    filled.loc[0, "reason"] = "checked at the market"
    filled.loc[1, "decision"] = "detach"
    filled.loc[1, "reason"] = "another shop"
    filled.to_excel(path, index=False)
    before = len(read_decisions(url))
    recorded = import_queue(url, path, by="steward@test")
    assert len(recorded) == 2 and len(read_decisions(url)) == before + 2
    assert recorded["review_id"].tolist() == filled["review_id"].head(2).tolist()
    assert recorded["decided_by"].tolist() == ["steward@test"] * 2


def test_the_source_scorecard_gives_every_source_its_card(stewarded):
    card = query(
        stewarded["warehouse"],
        """SELECT * FROM quality.source_scorecard
        WHERE run_id = (SELECT run_id FROM quality.publication
                        ORDER BY published_at DESC LIMIT 1)""",
    )
    from schemas.catalog import SOURCES

    assert set(card["source"]) == {s.key for s in SOURCES}
    shares = [c for c in card.columns if c.startswith("share_")]
    assert card[shares].stack().between(0, 1).all()
    oss = card.set_index("source").loc["oss"]
    assert oss["share_missing_nib"] == 0  # the OSS record key is the NIB
    assert card.set_index("source").loc["shopee", "share_missing_nib"] > 0.9
