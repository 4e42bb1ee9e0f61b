"""The identity rules of ``umkm.resolution.identity``: keep, mint, merge, split, retire."""

from __future__ import annotations

import pandas as pd
import pytest

from umkm.resolution.identity import assign_ids, retired_id_successors

T1, T2, T3 = (pd.Timestamp(f"2026-11-2{d}") for d in (4, 5, 6))


def _clusters(groups: dict[int, list[str]]) -> pd.DataFrame:
    rows = [
        (ref.split(":")[0], ref.split(":")[1], cluster)
        for cluster, refs in groups.items()
        for ref in refs
    ]
    return pd.DataFrame(rows, columns=["source", "source_record_id", "cluster"])


def _night(groups, previous=None, history=None, when=T1, run="r"):
    clusters = _clusters(groups)
    result = assign_ids(clusters, previous, history, run_id=run, recorded_at=when)
    published = clusters.assign(umkm_id=result.record_ids)[
        ["source", "source_record_id", "umkm_id"]
    ]
    new_history = result.history
    assert len(new_history) == (0 if history is None else len(history)) + len(result.events)
    ids = {c: published.loc[clusters["cluster"] == c, "umkm_id"].iloc[0] for c in groups}
    return ids, published, new_history, result.events


@pytest.fixture
def first_night():
    return _night({1: ["oss:1", "shopee:10"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"]})


def test_first_night_mints_one_id_per_cluster(first_night):
    ids, _, history, events = first_night
    assert len(set(ids.values())) == 3
    assert set(events["event"]) == {"minted"}
    assert all(i.startswith("U") and len(i) == 16 for i in ids.values())


def test_unchanged_and_slightly_changed_businesses_keep_their_ids(first_night):
    ids, published, history, _ = first_night
    # cluster numbers change between runs; cluster 3 gains a new listing
    again, _, _, events = _night(
        {7: ["oss:2"], 8: ["tokopedia:7", "lazada:8", "bukalapak:99"], 9: ["oss:1", "shopee:10"]},
        published,
        history,
        when=T2,
    )
    assert again[9] == ids[1] and again[7] == ids[2] and again[8] == ids[3]
    assert events.empty


def test_new_business_gets_a_new_id(first_night):
    ids, published, history, _ = first_night
    again, _, _, events = _night(
        {1: ["oss:1", "shopee:10"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"], 4: ["oss:3"]},
        published,
        history,
        when=T2,
    )
    assert again[4] not in ids.values()
    assert events[["umkm_id", "event"]].values.tolist() == [[again[4], "minted"]]


def test_merge_keeps_the_older_id_and_retires_the_other(first_night):
    ids, published, history, _ = first_night
    # business 2 was minted later than business 1 on a second night
    ids2, published2, history2, _ = _night(
        {1: ["oss:1", "shopee:10"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"], 4: ["oss:4"]},
        published,
        history,
        when=T2,
    )
    merged, _, history3, events = _night(
        {1: ["oss:1", "shopee:10", "oss:4"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"]},
        published2,
        history2,
        when=T3,
    )
    assert merged[1] == ids[1]
    event = events.set_index("umkm_id").loc[ids2[4]]
    assert event["event"] == "merged" and event["related_umkm_id"] == ids[1]
    lineage = retired_id_successors(history3).set_index("retired_umkm_id")
    assert lineage.loc[ids2[4], "successor_umkm_id"] == ids[1]


def test_merge_of_two_equally_old_ids_is_deterministic(first_night):
    ids, published, history, _ = first_night
    merged, _, _, events = _night(
        {1: ["oss:1", "shopee:10", "tokopedia:7", "lazada:8"], 2: ["oss:2"]},
        published,
        history,
        when=T2,
    )
    assert merged[1] == min(ids[1], ids[3])
    assert events["event"].tolist() == ["merged"]


def test_split_keeps_the_id_with_the_larger_part_and_mints_for_the_rest(first_night):
    ids, published, history, _ = first_night
    bigger = _night(
        {1: ["oss:1", "shopee:10", "blibli:5"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"]},
        published,
        history,
        when=T2,
    )
    ids2, published2, history2, _ = bigger
    split, _, _, events = _night(
        {1: ["oss:1", "shopee:10"], 5: ["blibli:5"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"]},
        published2,
        history2,
        when=T3,
    )
    assert split[1] == ids[1]
    assert split[5] not in ids.values()
    event = events.set_index("umkm_id").loc[split[5]]
    assert event["event"] == "split" and event["related_umkm_id"] == ids[1]


def test_business_whose_records_all_vanished_is_retired(first_night):
    ids, published, history, _ = first_night
    _, _, history2, events = _night(
        {1: ["oss:1", "shopee:10"], 3: ["tokopedia:7", "lazada:8"]}, published, history, when=T2
    )
    event = events.set_index("umkm_id").loc[ids[2]]
    assert event["event"] == "retired" and pd.isna(event["related_umkm_id"])
    lineage = retired_id_successors(history2).set_index("retired_umkm_id")
    assert pd.isna(lineage.loc[ids[2], "successor_umkm_id"])


def test_retired_chain_points_to_the_current_id():
    history = pd.DataFrame(
        {
            "umkm_id": ["A", "B", "C", "B", "A"],
            "event": ["minted", "minted", "minted", "merged", "merged"],
            "related_umkm_id": [None, None, None, "C", "B"],
            "records": [1, 1, 1, 1, 1],
            "run_id": "r",
            "recorded_at": [T1, T1, T1, T3, T2],
        }
    )
    lineage = retired_id_successors(history).set_index("retired_umkm_id")
    assert lineage.loc["A", "successor_umkm_id"] == "C"
    assert lineage.loc["B", "successor_umkm_id"] == "C"


def test_ids_are_the_same_for_the_same_inputs():
    groups = {1: ["oss:1", "shopee:10"], 2: ["oss:2"]}
    assert _night(groups)[0] == _night(groups)[0]


def test_a_tied_split_leaves_the_id_with_the_part_that_stayed_alone():
    # night 1: a registry record and a Shopee shop were one business; night 2 the Shopee
    # shop joins a bigger cluster: the registry record, unchanged, keeps the id
    ids1, published, history, _ = _night(
        {1: ["registry_3671:5", "shopee:9"], 2: ["tokopedia:1", "lazada:2"]}
    )
    ids2, _, _, events = _night(
        {3: ["tokopedia:1", "lazada:2", "shopee:9"], 4: ["registry_3671:5"]},
        previous=published,
        history=history,
        when=T2,
        run="r2",
    )
    assert ids2[4] == ids1[1]
    assert ids2[3] == ids1[2]


def test_a_business_whose_records_come_back_gets_its_old_id_back():
    """A night without a business's records (a missing or shrunken file) retires its id;
    when the records return within the revival period the id is revived, not minted, and the
    retired-id table no longer points anywhere for it."""
    groups = {1: ["oss:1", "shopee:10"], 2: ["oss:2"], 3: ["tokopedia:7", "lazada:8"]}
    clusters = _clusters(groups)
    first = assign_ids(clusters, None, None, run_id="r1", recorded_at=T1)
    published = clusters.assign(umkm_id=first.record_ids)[["source", "source_record_id", "umkm_id"]]
    away = _clusters({1: ["oss:1", "shopee:10"], 2: ["oss:2"]})
    second = assign_ids(
        away,
        published,
        first.history,
        run_id="r2",
        recorded_at=T2,
        retired_records=first.retired_records,
    )
    gone = published.loc[published["source"] == "tokopedia", "umkm_id"].iloc[0]
    assert list(second.events["event"]) == ["retired"] and second.events["umkm_id"][0] == gone
    assert set(second.retired_records["source_record_id"]) == {"7", "8"}
    published_2 = away.assign(umkm_id=second.record_ids)[["source", "source_record_id", "umkm_id"]]
    back = assign_ids(
        clusters,
        published_2,
        second.history,
        run_id="r3",
        recorded_at=T3,
        retired_records=second.retired_records,
    )
    ids = clusters.assign(umkm_id=back.record_ids)
    assert set(ids.loc[ids["source"] == "tokopedia", "umkm_id"]) == {gone}
    assert list(back.events["event"]) == ["revived"] and back.events["records"][0] == 2
    assert back.retired_records.empty
    assert gone not in set(retired_id_successors(back.history)["retired_umkm_id"])


def test_an_id_retired_too_long_ago_is_not_revived():
    groups = {1: ["oss:1"], 2: ["tokopedia:7"]}
    clusters = _clusters(groups)
    first = assign_ids(clusters, None, None, run_id="r1", recorded_at=T1)
    published = clusters.assign(umkm_id=first.record_ids)[["source", "source_record_id", "umkm_id"]]
    away = _clusters({1: ["oss:1"]})
    second = assign_ids(
        away,
        published,
        first.history,
        run_id="r2",
        recorded_at=T2,
        retired_records=first.retired_records,
    )
    published_2 = away.assign(umkm_id=second.record_ids)[["source", "source_record_id", "umkm_id"]]
    later = T2 + pd.Timedelta(days=31)
    back = assign_ids(
        clusters,
        published_2,
        second.history,
        run_id="r3",
        recorded_at=later,
        retired_records=second.retired_records,
        revival_days=30,
    )
    assert list(back.events["event"]) == ["minted"]
    assert back.retired_records.empty  # forgotten after the revival period
