"""The review queue built from any night's links: with or without possible matches, with any
mix of joined and cut links, every item names real records and counts its business right.

A night without possible matches once failed the publish (the empty possible-match items
made the record positions of all items untyped, and numpy refused them as indices)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from umkm.resolution.review_queue import LARGE_CLUSTER, QUEUE_COLUMNS, review_queue


@st.composite
def nights(draw):
    """Records in businesses, links between records and maybe possible matches."""
    n = draw(st.integers(2, 3 * LARGE_CLUSTER))
    business = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    records = pd.DataFrame(
        {
            "source": "registry_x",
            "source_record_id": [f"r{i}" for i in range(n)],
            "umkm_id": [f"U{b}" for b in business],
            "business_name": [f"toko {b}" for b in business],
            "kab_code": "3601",
        }
    )
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.05, 1.0)),
            max_size=30,
        )
    )
    pairs = [(a, b, p) for a, b, p in pairs if a != b]
    ends = pd.DataFrame(
        {"left": [a for a, _, _ in pairs], "right": [b for _, b, _ in pairs]}, dtype=np.int64
    )
    links = pd.DataFrame(
        {
            "probability": [p for _, _, p in pairs],
            "joined": [business[a] == business[b] for a, b, _ in pairs],
            "rule": draw(st.sampled_from(["probabilistic", "phone_e164"])),
            "gamma_name": draw(st.integers(0, 3)),
        }
    )
    possible = draw(
        st.sampled_from(
            [
                None,
                pd.DataFrame(
                    {
                        "left": pd.Series(dtype=np.int64),
                        "right": pd.Series(dtype=np.int64),
                        "probability": pd.Series(dtype=float),
                        "shared": pd.Series(dtype=object),
                    }
                ),
                pd.DataFrame(
                    {
                        "left": ends["left"],
                        "right": ends["right"],
                        "probability": 0.3,
                        "shared": "phone_e164",
                    }
                ),
            ]
        )
    )
    return records, links, ends, possible, business


@settings(max_examples=150, deadline=None)
@given(nights())
def test_every_item_names_real_records_and_counts_its_business(night):
    records, links, ends, possible, business = night
    queue = review_queue(records, links, ends, possible)
    assert list(queue.columns) == QUEUE_COLUMNS
    assert queue["review_id"].is_unique
    assert queue["rank"].tolist() == list(range(1, len(queue) + 1))
    sizes = pd.Series(business).value_counts()
    known = dict(zip(records["source_record_id"], records["umkm_id"], strict=True))
    for item in queue.itertuples():
        assert known[item.left_source_record_id] == item.umkm_id
        assert item.records == sizes[int(item.umkm_id[1:])]
        if isinstance(item.right_source_record_id, str):
            assert item.right_source_record_id in known
    linked = queue["kind"].isin(["weak_link", "cut_link"])
    assert queue["levels"].notna().tolist() == linked.tolist()
    large = sizes[sizes >= LARGE_CLUSTER]
    assert (queue["kind"] == "large_cluster").sum() == len(large)


def test_a_night_without_possible_matches_still_queues_its_cut_links():
    records = pd.DataFrame(
        {
            "source": "registry_x",
            "source_record_id": ["1", "2", "3", "4"],
            "umkm_id": ["U1", "U1", "U2", "U3"],
            "business_name": ["x", "x", "y", "z"],
            "kab_code": "3601",
        }
    )
    links = pd.DataFrame(
        {
            "probability": [0.6, 0.4],
            "joined": [True, False],
            "rule": "probabilistic",
            "gamma_name": [2, 1],
        }
    )
    ends = pd.DataFrame({"left": [0, 2], "right": [1, 3]})
    queue = review_queue(records, links, ends, None)
    assert queue["kind"].tolist() == ["cut_link"]
    assert queue["records"].tolist() == [1]
