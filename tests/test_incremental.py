"""Incremental nights: only the pairs that touch a new or changed record are scored, and the
night gives the businesses and ids that a full night on the same inputs gives. The incremental
night also takes the files it read the night before from the file memo, where the full night
reads every file."""

from __future__ import annotations

import pytest

from tests.conftest import query, run_nightly
from umkm.publish.warehouse import copy_duckdb_warehouse

#: four nightly runs
pytestmark = pytest.mark.slow

SQL_LINKS = (
    "SELECT source, source_record_id, umkm_id, match_rule, match_confidence "
    "FROM curated.umkm_source_record ORDER BY 1, 2"
)
SQL_BUSINESSES = "SELECT * EXCLUDE (first_seen, last_seen) FROM curated.umkm ORDER BY umkm_id"
SQL_EVENTS = (
    "SELECT umkm_id, event, related_umkm_id, records FROM quality.umkm_id_history ORDER BY ALL"
)


def _night(landing, warehouse, full_rebuild: bool = False, file_memo=None):
    config = {"ops": {"matched_records": {"config": {"full_rebuild": full_rebuild}}}}
    result = run_nightly(landing, warehouse, run_config=config, file_memo=file_memo)
    (materialization,) = result.asset_materializations_for_node("matched_records")
    figures = {
        k: v.value
        for k, v in materialization.metadata.items()
        if k
        in (
            "night",
            "candidate_pairs",
            "pairs_scored_tonight",
            "records_held_alone",
            "components_kept",
            "components_clustered",
        )
    }
    figures["sources"] = {
        event.asset_key.to_user_string(): (
            event.materialization.metadata["snapshot_date"].value,
            event.materialization.metadata["read_from_memo"].value,
        )
        for event in result.get_asset_materialization_events()
        if "read_from_memo" in event.materialization.metadata
    }
    return figures


@pytest.fixture(scope="module")
def two_nights(small_landing, tmp_path_factory):
    """Night one on the first delivery, twice (the second time the records hold last night's
    ids, as on every night after the first, so their continuity links are what the next
    night starts from); night two on all of them, once in full and once incrementally, each
    from a copy of the warehouse after night one."""
    root = tmp_path_factory.mktemp("incremental")
    first = root / "first"
    first.mkdir()
    days = sorted(p.name for p in small_landing.iterdir() if (p / "_SUCCESS").exists())
    (first / days[0]).symlink_to(small_landing / days[0])
    after_first = root / "after_first.duckdb"
    full, incremental = root / "full.duckdb", root / "incremental.duckdb"
    memo = root / "file_memo"
    _night(first, after_first, file_memo=memo)
    _night(first, after_first, file_memo=memo)
    copy_duckdb_warehouse(after_first, full)
    copy_duckdb_warehouse(after_first, incremental)
    full_figures = _night(small_landing, full, full_rebuild=True)
    incremental_figures = _night(small_landing, incremental, file_memo=memo)
    return {
        "full": full,
        "incremental": incremental,
        "full_figures": full_figures,
        "incremental_figures": incremental_figures,
    }


def test_an_incremental_night_scores_only_what_changed(two_nights):
    full, incremental = two_nights["full_figures"], two_nights["incremental_figures"]
    assert full["night"] == "full" and incremental["night"] == "incremental"
    assert full["candidate_pairs"] == incremental["candidate_pairs"]
    assert full["pairs_scored_tonight"] == full["candidate_pairs"]
    assert 0 < incremental["pairs_scored_tonight"] < 0.8 * full["candidate_pairs"]


def test_an_incremental_night_clusters_only_the_components_that_changed(two_nights):
    full, incremental = two_nights["full_figures"], two_nights["incremental_figures"]
    assert full["components_kept"] == 0 < full["components_clustered"]
    assert 0 < incremental["components_clustered"] < incremental["components_kept"]
    components = incremental["components_kept"] + incremental["components_clustered"]
    assert components == full["components_clustered"]


def test_the_files_read_the_night_before_come_from_the_memo(two_nights, small_landing):
    # night one read the first delivery; a source still at that delivery's file (it delivered
    # nothing since, or its later file is broken) is taken from the memo, every other is read
    first_day = min(p.name for p in small_landing.iterdir() if (p / "_SUCCESS").exists())
    sources = two_nights["incremental_figures"]["sources"]
    assert len(sources) == 29
    from_memo = {key for key, (_, memo) in sources.items() if memo}
    at_first_day = {key for key, (day, _) in sources.items() if day == first_day}
    assert from_memo == at_first_day
    assert 0 < len(from_memo) < 29
    assert not any(memo for _, memo in two_nights["full_figures"]["sources"].values())


def test_a_full_night_knows_what_changed_since_last_night_as_an_incremental_one_does(two_nights):
    # records alone last night and unchanged are held alone unless a new or changed partner
    # comes: the rule must see last night's match hashes on a full night too
    full, incremental = two_nights["full_figures"], two_nights["incremental_figures"]
    assert full["records_held_alone"] == incremental["records_held_alone"] > 0


@pytest.mark.parametrize("sql", [SQL_LINKS, SQL_BUSINESSES, SQL_EVENTS])
def test_incremental_and_full_nights_give_the_same_businesses_and_ids(two_nights, sql):
    full = query(two_nights["full"], sql)
    incremental = query(two_nights["incremental"], sql)
    assert len(full) > 0
    assert full.equals(incremental)


def test_the_scores_an_incremental_night_keeps_are_the_scores_of_a_full_night(two_nights):
    sql = "SELECT key_l, key_r, probability FROM restricted.match_score ORDER BY 1, 2"
    assert query(two_nights["full"], sql).equals(query(two_nights["incremental"], sql))
