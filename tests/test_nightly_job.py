"""End to end: the ``nightly`` job on a small generated landing zone, checked on the warehouse."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.catalog import SOURCES
from tests.conftest import query, run_nightly

#: nightly runs on the small landing zone
pytestmark = pytest.mark.slow


def _current_snapshots(published) -> pd.DataFrame:
    return query(
        published,
        """
        SELECT source, delivered_on FROM quality.source_delivery WHERE status = 'current'""",
    )


def test_every_source_has_a_current_snapshot_and_metrics(published):
    current = _current_snapshots(published)
    assert set(current["source"]) == {s.key for s in SOURCES}
    metrics = query(published, "SELECT * FROM quality.run_metrics WHERE source <> '(all)'")
    assert set(metrics["source"]) == {s.key for s in SOURCES}


def test_conservation_per_source(published):
    metrics = query(published, "SELECT * FROM quality.run_metrics")
    assert (
        metrics["records_read"] == metrics["records_accepted"] + metrics["records_rejected"]
    ).all()
    linked = query(
        published, "SELECT source, count(*) AS n FROM curated.umkm_source_record GROUP BY source"
    ).set_index("source")["n"]
    rejected = query(
        published, "SELECT source, count(*) AS n FROM quality.rejected_record GROUP BY source"
    ).set_index("source")["n"]
    per_source = metrics.set_index("source").drop(index="(all)")
    for source, row in per_source.iterrows():
        assert linked.get(source, 0) == row["records_accepted"], source
        assert rejected.get(source, 0) == row["records_rejected"], source


def test_every_accepted_record_is_linked_once(published):
    dupes = query(
        published,
        """
        SELECT source, source_record_id, count(*) FROM curated.umkm_source_record
        GROUP BY ALL HAVING count(*) > 1""",
    )
    assert dupes.empty
    orphans = query(
        published,
        """
        SELECT count(*) AS n FROM curated.umkm_source_record r
        LEFT JOIN curated.umkm u USING (umkm_id) WHERE u.umkm_id IS NULL""",
    )
    assert orphans["n"].iloc[0] == 0


def test_every_row_of_the_current_snapshots_is_linked_or_quarantined(published, ground_truth):
    current = _current_snapshots(published)
    current["delivery_date"] = pd.to_datetime(current["delivered_on"]).dt.strftime("%Y-%m-%d")
    truth = ground_truth.merge(current[["source", "delivery_date"]], on=["source", "delivery_date"])
    linked = query(published, "SELECT source, source_record_id FROM curated.umkm_source_record")
    rejected = query(
        published, "SELECT source, source_record_id, reason FROM quality.rejected_record"
    )
    metrics = query(
        published, "SELECT source, records_read FROM quality.run_metrics WHERE source <> '(all)'"
    ).set_index("source")["records_read"]
    assert metrics.sum() == len(truth)
    expected_linked = truth[truth["expected"] == "linked"]
    found = expected_linked.merge(
        linked, on=["source", "source_record_id"], how="left", indicator=True
    )
    share_linked = (found["_merge"] == "both").mean()
    assert share_linked > 0.98, found[found["_merge"] != "both"].head(20)
    for reason in ("out_of_scope", "no_usable_name", "duplicate_key", "malformed"):
        expected = truth[truth["expected"] == reason]
        if expected.empty:
            continue
        got = rejected[rejected["reason"] == reason]
        hit = expected.merge(got, on=["source", "source_record_id"]).shape[0] / len(expected)
        assert hit > 0.9, (reason, hit)


def test_broken_delivery_keeps_the_last_good_snapshot(published, ground_truth):
    broken_truth = ground_truth[ground_truth["broken_file"] == "true"]
    assert not broken_truth.empty, "the generator made no broken file"
    source = broken_truth["source"].iloc[0]
    broken_day = broken_truth["delivery_date"].iloc[0]
    deliveries = query(
        published, f"SELECT * FROM quality.source_delivery WHERE source = '{source}'"
    )
    broken = deliveries[deliveries["status"] == "broken"]
    assert len(broken) == 1 and broken_day in broken["source_file"].iloc[0]
    assert broken["message"].iloc[0]
    current = deliveries[deliveries["status"] == "current"]
    assert pd.Timestamp(current["delivered_on"].iloc[0]) < pd.Timestamp(broken_day)


def test_incomplete_delivery_is_ignored(published, small_landing):
    newest = max(p.name for p in small_landing.iterdir() if p.name[:2] == "20")
    assert not (small_landing / newest / "_SUCCESS").exists()
    used = query(published, "SELECT DISTINCT delivered_on FROM quality.source_delivery")
    assert pd.Timestamp(newest) not in set(pd.to_datetime(used["delivered_on"]))


def test_curated_schema_holds_no_personal_data(published):
    columns = query(
        published,
        """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'curated'""",
    )
    personal = {
        "owner_name",
        "nik",
        "phone",
        "phone_e164",
        "phone_e164_alt",
        "email",
        "address",
        "owner_nik_hash",
        "owner_phone_hash",
    }
    assert not personal & set(columns["column_name"])
    niks = query(
        published, "SELECT nik FROM restricted.source_record_personal_data WHERE nik IS NOT NULL"
    )["nik"]
    hashes = query(published, "SELECT owner_nik_hash FROM restricted.umkm_owner_key")[
        "owner_nik_hash"
    ]
    assert len(niks) > 0 and hashes.notna().sum() > 0
    assert not set(niks) & set(hashes.dropna())
    assert hashes.dropna().str.fullmatch(r"[0-9a-f]{64}").all()


def test_businesses_are_counted_close_to_the_truth(published, ground_truth):
    umkm = query(published, "SELECT * FROM curated.umkm")
    assert umkm["umkm_id"].is_unique and umkm["umkm_id"].notna().all()
    assert (
        umkm["kab_code"]
        .dropna()
        .isin(["3601", "3602", "3603", "3604", "3671", "3672", "3673", "3674"])
        .all()
    )
    true_businesses = ground_truth.loc[ground_truth["business_id"] != "", "business_id"].nunique()
    # entity resolution is within a few per cent on the benchmark; the small zone gets slack
    assert 0.9 * true_businesses < len(umkm) < 1.15 * true_businesses, (len(umkm), true_businesses)


def test_same_inputs_give_the_same_ids(published, published_again):
    sql = "SELECT source, source_record_id, umkm_id FROM curated.umkm_source_record ORDER BY 1, 2"
    pd.testing.assert_frame_equal(query(published, sql), query(published_again, sql))


def test_second_night_keeps_ids_of_unchanged_businesses(small_landing, tmp_path):
    """Night one sees the first delivery, night two all of them: a business whose records did
    not change keeps its id, and every retired id points to a current one or to nothing."""
    first_night = tmp_path / "night1"
    first_night.mkdir()
    days = sorted(p.name for p in small_landing.iterdir() if p.name[:2] == "20")
    (first_night / days[0]).symlink_to(small_landing / days[0])
    warehouse = tmp_path / "nights.duckdb"
    run_nightly(first_night, warehouse)
    before = query(
        warehouse, "SELECT source, source_record_id, umkm_id FROM curated.umkm_source_record"
    )
    run_nightly(small_landing, warehouse)
    after = query(
        warehouse, "SELECT source, source_record_id, umkm_id FROM curated.umkm_source_record"
    )
    both = before.merge(after, on=["source", "source_record_id"], suffixes=("_1", "_2"))
    members_1 = both.groupby("umkm_id_1")["source_record_id"].transform("size")
    members_2 = both.groupby("umkm_id_2")["source_record_id"].transform("size")
    stable = both[members_1 == members_2]  # businesses whose kept records stayed together
    assert len(stable) > 0.8 * len(both)
    assert (stable["umkm_id_1"] == stable["umkm_id_2"]).mean() > 0.99
    history = query(warehouse, "SELECT * FROM quality.umkm_id_history")
    assert set(history["event"]) <= {"minted", "split", "merged", "retired"}
    retired = query(warehouse, "SELECT * FROM curated.umkm_retired_id")
    current = set(after["umkm_id"])
    assert retired["successor_umkm_id"].dropna().isin(current).all()


def test_match_links_are_explained(published):
    links = query(published, "SELECT * FROM quality.match_link")
    assert len(links) > 0
    probabilistic = links[links["rule"] == "probabilistic"]
    assert probabilistic["probability"].between(0, 1).all()
    gammas = [c for c in links.columns if c.startswith("gamma_")]
    assert {"gamma_business_name", "gamma_owner_name", "gamma_phone_e164"} <= set(gammas)
    assert probabilistic[gammas].notna().all().all()
    model = query(published, "SELECT * FROM quality.match_model")
    assert len(model) == 1 and model["model_version"].iloc[0] in set(links["model_version"])


def test_a_joined_pair_can_be_explained(published):
    from umkm.cli.explain import explain_link

    links = query(published, "SELECT * FROM quality.match_link")
    models = query(published, "SELECT * FROM quality.match_model")
    link = links[(links["rule"] == "probabilistic") & links["joined"]].iloc[0]
    left = f"{link['left_source']}:{link['left_source_record_id']}"
    right = f"{link['right_source']}:{link['right_source_record_id']}"
    text = explain_link(links, models, right, left)
    assert "joined into one business" in text and "business_name" in text
    assert f"{link['probability']:.4f}" in text
    assert "no stored link" in explain_link(links, models, "oss:nothing", "shopee:nothing")
