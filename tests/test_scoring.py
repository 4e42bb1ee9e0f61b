"""Scoring and blocking at scale: the pairs scored with Splink's SQL score exactly as Splink's
own ``predict`` scores them, and the blocking caps keep common keys from making pairs."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from schemas.catalog import SOURCES
from umkm.ingest.landing import complete_deliveries
from umkm.ingest.snapshots import load_source_snapshot
from umkm.publish.assemble import combine_snapshots
from umkm.resolution import blocking, scoring, splink_model
from umkm.resolution.match_input import prepare_input


@pytest.fixture(scope="module")
def prepared(small_landing):
    deliveries = complete_deliveries(small_landing)
    records = combine_snapshots([load_source_snapshot(deliveries, s) for s in SOURCES]).records
    con = duckdb.connect()
    frequencies = prepare_input(con, records)
    model = splink_model.train(con, len(records), frequencies)
    blocking.candidate_pairs(con)
    return con, model


@pytest.mark.slow
def test_pairs_score_as_splink_predict_scores_them(prepared):
    con, model = prepared
    scoring.score_pairs(con, model.model_json, "candidate_pairs", link_threshold=0.2)
    ours = con.execute(
        "SELECT unique_id_l, unique_id_r, match_probability AS ours FROM scored_probabilities"
    ).df()
    linker = splink_model._linker(con, splink_model.json.loads(model.model_json))
    con.execute(
        "CREATE OR REPLACE TABLE splink_pairs AS SELECT '0' AS match_key, "
        "unique_id_l AS join_key_l, unique_id_r AS join_key_r FROM candidate_pairs"
    )
    linker.table_management.register_blocked_pairs_for_predict(
        linker._db_api.register("splink_pairs")
    )
    theirs = linker.inference.predict().as_pandas_dataframe()[
        ["unique_id_l", "unique_id_r", "match_probability"]
    ]
    both = ours.merge(theirs, on=["unique_id_l", "unique_id_r"])
    assert len(both) == len(ours) == len(theirs) > 1000
    assert (both["ours"] - both["match_probability"]).abs().max() < 1e-12
    links = con.execute("SELECT count(*) FROM scored_links").fetchall()[0][0]
    assert links == (both["ours"] >= 0.2).sum()


def test_a_block_larger_than_its_cap_makes_no_pairs():
    con = duckdb.connect()
    rows = [
        {"unique_id": i, "k": "toko berkah", "kab_code": "3603", "kecamatan_code": "360301"}
        for i in range(12)
    ]
    rows += [
        {"unique_id": 100 + i, "k": "batik rizka", "kab_code": "3603", "kecamatan_code": "360301"}
        for i in range(3)
    ]
    rows += [
        {"unique_id": 200, "k": "batik rizka", "kab_code": "3603", "kecamatan_code": None},
        {"unique_id": 201, "k": "batik rizka", "kab_code": None, "kecamatan_code": None},
        {"unique_id": 202, "k": "batik rizka", "kab_code": "3604", "kecamatan_code": "360401"},
    ]
    frame = pd.DataFrame(rows).rename(columns={"k": "name_sorted"})
    con.register("match_input", frame.assign(**_nothing_else(frame)))
    rule = blocking.BlockingRule("name words", "name_sorted", place=True, max_block=10)
    counts = blocking.candidate_pairs(con, rules=(rule,))
    pairs = set(con.execute("SELECT unique_id_l, unique_id_r FROM candidate_pairs").fetchall())
    assert not any(left < 100 for left, _ in pairs), "12 'toko berkah' in one kecamatan: too common"
    assert counts.loc[0, "blocks_over_cap"] == 1 and counts.loc[0, "records_in_over_cap"] == 12
    same_kecamatan = {(100, 101), (100, 102), (101, 102)}
    kecamatan_unknown = {(100, 200), (101, 200), (102, 200)}
    kab_unknown = {(100, 201), (101, 201), (102, 201), (200, 201), (201, 202)}
    assert pairs == same_kecamatan | kecamatan_unknown | kab_unknown


def _nothing_else(frame: pd.DataFrame) -> dict:
    """Empty columns for what a block's window sorts by."""
    return {
        c: pd.Series([None] * len(frame), dtype=object)
        for c in blocking.WINDOW_ORDER
        if c not in frame
    }


def test_a_large_block_with_a_window_pairs_neighbours_by_what_else_they_share():
    """40 'toko berkah' of one kecamatan: pairs in full would be 780; a window of 2 makes at
    most 2 per record, and records with one owner (in any order of ids) are neighbours."""
    con = duckdb.connect()
    owners = [f"owner {i // 2:02d}" for i in range(40)]  # two records per owner
    frame = pd.DataFrame(
        {
            "unique_id": range(40),
            "name_sorted": "berkah toko",
            "kab_code": "3603",
            "kecamatan_code": "360301",
            "owner_name_norm": owners[::2] + owners[1::2],
        }
    )
    con.register("match_input", frame.assign(**_nothing_else(frame)))
    rule = blocking.BlockingRule("name words", "name_sorted", place=True, max_block=10, window=2)
    counts = blocking.candidate_pairs(con, rules=(rule,))
    pairs = set(con.execute("SELECT unique_id_l, unique_id_r FROM candidate_pairs").fetchall())
    assert len(pairs) == 39 + 38  # each record with its next two, in the block's order
    one_owner = frame.groupby("owner_name_norm")["unique_id"].agg(tuple)
    assert all(tuple(sorted(ids)) in pairs for ids in one_owner)
    assert counts.loc[0, "blocks_over_cap"] == 1 and counts.loc[0, "records_in_over_cap"] == 40
