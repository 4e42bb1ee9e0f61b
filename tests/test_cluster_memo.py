"""Clustering only the changed components (``umkm.resolution.cluster_memo``): on drawn nights,
keeping last night's clusters of the unchanged components gives the clusters that
clustering every component gives, whatever order the records come in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umkm.resolution.cluster_memo import cluster_components
from umkm.resolution.clustering import cluster_records

SOURCES = ["registry_3671", "oss", "shopee", "tokopedia"]
NAMES = ["berkah jaya", "berkah", "sinar abadi", "dapur rina", "kopi senja", None]
OWNERS = ["rina marlina", "rina", "ahmad yani", "budi santoso", None]
#: few probabilities, so that links of equal probability (ties) are common
PROBABILITIES = [0.2, 0.5, 0.9, 0.999, 1.0]


#: the attributes clustering reads, and the values drawn for them
ATTRIBUTES = {
    "source": st.sampled_from(SOURCES),
    "nib": st.sampled_from([None, "1111111111111", "2222222222222", "3333333333333"]),
    "kab_code": st.sampled_from([None, "3671", "3672"]),
    "business_name_norm": st.sampled_from(NAMES),
    "owner_name_norm": st.sampled_from(OWNERS),
    "phone_e164": st.sampled_from([None, "+6281200000001", "+6281200000002"]),
}


def _record():
    return st.fixed_dictionaries(ATTRIBUTES)


@st.composite
def nights(draw):
    """Two nights: the same records (some changed, in another order) with some links changed.
    Links join records of small groups, so that a night has several components."""
    sizes = draw(st.lists(st.integers(2, 6), min_size=1, max_size=12))
    n = sum(sizes)
    records = draw(st.lists(_record(), min_size=n, max_size=n))
    keys = np.array(draw(st.lists(st.integers(0, 2**63 - 1), min_size=n, max_size=n, unique=True)))
    starts = np.cumsum([0, *sizes])

    @st.composite
    def pair(draw_pair):
        group = draw_pair(st.integers(0, len(sizes) - 1))
        inside = st.integers(int(starts[group]), int(starts[group + 1]) - 1)
        return draw_pair(inside), draw_pair(inside)

    link = st.tuples(pair(), st.sampled_from(PROBABILITIES))
    links = draw(st.lists(link, min_size=n // 2, max_size=2 * n))
    apart = draw(st.lists(pair(), max_size=n))
    must = draw(st.lists(pair(), max_size=2))
    first = _night(records, keys, links, apart, must)
    changed = draw(st.lists(st.tuples(st.integers(0, n - 1), _record()), max_size=1))
    for position, record in changed:
        records = [*records[:position], record, *records[position + 1 :]]
    removed = draw(st.sets(st.integers(0, max(len(links) - 1, 0)), max_size=1))
    added = draw(st.lists(link, max_size=1))
    links = [link for i, link in enumerate(links) if i not in removed] + added
    apart = apart[draw(st.integers(0, 1)) :] + draw(st.lists(pair(), max_size=1))
    order = np.array(draw(st.permutations(range(n))))
    second = _night(records, keys, links, apart, must, order)
    return first, second


def _night(records, keys, links, apart, must, order=None):
    """One night's clustering inputs, the records at the positions ``order`` gives them."""
    n = len(records)
    order = np.arange(n) if order is None else order
    at = np.empty(n, np.int64)
    at[order] = np.arange(n)  # the record drawn at i sits at position at[i]
    attrs = pd.DataFrame([records[i] for i in order], columns=list(ATTRIBUTES))
    attrs["is_registry"] = attrs["source"].str.startswith("registry_")
    pairs = lambda drawn: pd.DataFrame(  # noqa: E731
        {"left": at[[p[0] for p in drawn]], "right": at[[p[1] for p in drawn]]}, dtype=np.int64
    )
    return {
        "attrs": attrs,
        "keys": keys[order],
        "record_hashes": pd.util.hash_pandas_object(attrs, index=False).to_numpy(),
        # in the order of their records' positions, as scoring returns them
        "links": pairs([p for p, _ in links])
        .assign(probability=[q for _, q in links])
        .sort_values(["left", "right"], kind="stable", ignore_index=True),
        "apart": pairs(apart),
        "must_link": pairs(must),
    }


def _partition(keys: np.ndarray, labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(group) for group in pd.Series(keys).groupby(labels).agg(list)}


def _clusters(night, memo=None):
    return cluster_components(threshold=0.5, memo=memo, **night)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(nights())
def test_kept_clusters_are_those_clustering_every_component_gives(drawn):
    first, second = drawn
    last_night = _clusters(first)
    everything = _clusters(second)
    kept = _clusters(second, memo=last_night.memo)
    assert _partition(second["keys"], kept.labels) == _partition(second["keys"], everything.labels)
    # the memo stored tonight does not depend on whether last night's was used
    columns = list(everything.memo.columns)
    assert (
        kept.memo.sort_values(columns)
        .reset_index(drop=True)
        .equals(everything.memo.sort_values(columns).reset_index(drop=True))
    )


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(nights())
def test_an_unchanged_night_in_another_order_is_all_kept(drawn):
    first, _ = drawn
    order = np.arange(len(first["keys"]))[::-1].copy()
    again = {
        **first,
        "attrs": first["attrs"].iloc[order].reset_index(drop=True),
        "keys": first["keys"][order],
        "record_hashes": first["record_hashes"][order],
    }
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    for name in ("links", "apart", "must_link"):
        again[name] = first[name].assign(
            left=back[first[name]["left"].to_numpy()], right=back[first[name]["right"].to_numpy()]
        )
    again["links"] = again["links"].sort_values(["left", "right"], ignore_index=True)
    last_night = _clusters(first)
    kept = _clusters(again, memo=last_night.memo)
    assert kept.components_clustered == 0
    assert kept.records_kept == len(last_night.memo)
    assert _partition(again["keys"], kept.labels) == _partition(first["keys"], last_night.labels)


def test_clustering_every_component_is_cluster_records():
    attrs = pd.DataFrame(
        {
            "source": ["oss", "shopee", "tokopedia", "oss"],
            "nib": ["1111111111111", None, None, "2222222222222"],
            "business_name_norm": ["berkah", "berkah", "berkah", "berkah"],
            "owner_name_norm": [None] * 4,
            "is_registry": [False] * 4,
        }
    )
    links = pd.DataFrame({"left": [0, 1, 2], "right": [1, 2, 3], "probability": [0.9] * 3})
    keys = np.array([40, 30, 20, 10])
    hashes = pd.util.hash_pandas_object(attrs, index=False).to_numpy()
    whole = cluster_records(attrs, links, threshold=0.5, keys=keys)
    parts = cluster_components(attrs, links, 0.5, keys, hashes)
    assert _partition(keys, parts.labels) == _partition(keys, whole.labels)
    assert frozenset({10, 20, 30, 40}) not in _partition(keys, parts.labels)  # two NIBs


def test_links_of_equal_probability_are_merged_in_the_order_of_record_keys():
    # 1 and 2 hold two NIBs; 0 links to both with the same probability: it joins one of
    # them, and which one must not depend on the records' positions
    records = pd.DataFrame(
        {
            "source": ["shopee", "oss", "oss"],
            "nib": [None, "1111111111111", "2222222222222"],
            "business_name_norm": ["berkah"] * 3,
            "owner_name_norm": [None] * 3,
            "is_registry": [False] * 3,
        }
    )
    keys = np.array([7, 9, 8])
    partitions = set()
    for order in ([0, 1, 2], [0, 2, 1]):
        at = np.argsort(order)
        links = pd.DataFrame({"left": at[[0, 0]], "right": at[[1, 2]], "probability": 0.9})
        links = links.sort_values(["left", "right"], ignore_index=True)
        result = cluster_records(
            records.iloc[order].reset_index(drop=True), links, threshold=0.5, keys=keys[order]
        )
        partitions.add(frozenset(_partition(keys[order], result.labels)))
    assert partitions == {frozenset({frozenset({7, 8}), frozenset({9})})}
