"""The review queue: the matching decisions most worth a data steward's time, every night.

Four kinds of item, each naming the records involved by ``(source, source_record_id)``:

- ``weak_link``: a business held together by a link near the threshold (its weakest link
  below ``WEAK_LINK``): are these two records one business?
- ``large_cluster``: a business of ``LARGE_CLUSTER`` records or more: should a record be
  detached?
- ``possible_match``: two records of different businesses that the model scored between the
  apart and link thresholds although they share a phone, NIB or NIK: one business?
- ``cut_link``: two records the model linked but a conflict rule kept in different
  businesses: was the rule right?

Items are ranked by impact: how many pairs of records the decision would put together or
apart. ``review_id`` is a hash of the kind and the records, so an item keeps its id from
night to night while its records stay. The queue is BI-safe: business names, places, the
probability and the comparison levels, no personal data (a steward finds that through
``restricted.source_record_personal_data`` by the record keys).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from umkm.record_keys import record_refs

#: a business whose weakest joined link is below this is worth a look
WEAK_LINK = 0.5
#: a business with this many records or more is worth a look
LARGE_CLUSTER = 8
#: items kept in the queue (the highest impact first)
QUEUE_SIZE = 1000
QUEUE_COLUMNS = [
    "review_id",
    "rank",
    "kind",
    "impact",
    "umkm_id",
    "other_umkm_id",
    "records",
    "left_source",
    "left_source_record_id",
    "left_business_name",
    "right_source",
    "right_source_record_id",
    "right_business_name",
    "kab_code",
    "probability",
    "levels",
    "question",
]
_QUESTIONS = {
    "weak_link": "Are these two records one business? (the business holds together by this link)",
    "large_cluster": "Is every record one business? Detach the ones that are not.",
    "possible_match": "The model kept these apart although they share {shared}: one business?",
    "cut_link": "The model linked these, a conflict rule kept them apart: two businesses?",
}


def review_queue(
    records: pd.DataFrame,
    links: pd.DataFrame,
    link_ends: pd.DataFrame | None,
    possible: pd.DataFrame | None,
    size: int = QUEUE_SIZE,
) -> pd.DataFrame:
    """The queue from tonight's linked records (``umkm_id``, ``business_name``, ``kab_code``
    in record order), the explained links (``quality.match_link`` columns) with the positions
    of their records (``link_ends``: left, right) and the possible matches (record
    positions)."""
    frame = records[["source", "source_record_id", "umkm_id", "business_name", "kab_code"]]
    frame = frame.reset_index(drop=True)
    # businesses by number: sizes and comparisons on integers, not on a million id strings
    business, umkm_ids = pd.factorize(frame["umkm_id"])
    sizes = np.bincount(business, minlength=len(umkm_ids))
    pairs = _link_positions(links, link_ends, business)
    items = pd.concat(
        [
            _weak_links(pairs, sizes),
            _large_clusters(business, sizes),
            _possible_matches(possible, business, sizes),
            _cut_links(pairs, sizes),
        ],
        ignore_index=True,
    )
    if items.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    items = (
        items.sort_values(["impact", "kind", "left"], ascending=[False, True, True], kind="stable")
        .head(4 * size)
        .reset_index(drop=True)
    )
    left_positions = items["left"].to_numpy(np.int64)
    left = frame.iloc[left_positions].reset_index(drop=True)
    right_positions = items["right"].fillna(-1).astype(int).to_numpy()
    right = frame.iloc[np.where(right_positions >= 0, right_positions, 0)].reset_index(drop=True)
    has_right = right_positions >= 0
    queue = pd.DataFrame(
        {
            "kind": items["kind"],
            "impact": items["impact"].astype("int64"),
            "umkm_id": left["umkm_id"],
            "other_umkm_id": right["umkm_id"].where(
                has_right & (right["umkm_id"] != left["umkm_id"])
            ),
            "records": sizes[business[left_positions]].astype("int64"),
            "left_source": left["source"],
            "left_source_record_id": left["source_record_id"],
            "left_business_name": left["business_name"],
            "right_source": right["source"].where(has_right),
            "right_source_record_id": right["source_record_id"].where(has_right),
            "right_business_name": right["business_name"].where(has_right),
            "kab_code": left["kab_code"],
            "probability": items["probability"],
            "levels": _levels(links, items["link"]),
            "question": [
                _QUESTIONS[k].format(shared=s)
                for k, s in zip(
                    items["kind"], items.get("shared", pd.Series("", index=items.index)).fillna("")
                )
            ],
        }
    )
    queue.insert(
        0,
        "review_id",
        [
            review_id(k, a, b)
            for k, a, b in zip(
                queue["kind"],
                record_refs(queue, "left_"),
                record_refs(queue, "right_").where(queue["right_source"].notna(), ""),
            )
        ],
    )
    queue = queue.sort_values(["impact", "review_id"], ascending=[False, True], kind="stable")
    queue = queue.drop_duplicates("review_id").head(size).reset_index(drop=True)
    queue.insert(1, "rank", np.arange(1, len(queue) + 1))
    return queue[QUEUE_COLUMNS]


def review_id(kind: str, left_ref: str, right_ref: str = "") -> str:
    """A queue item's stable id: its kind and its records (in either order)."""
    refs = "|".join(sorted(r for r in (left_ref, right_ref) if r))
    return "R" + hashlib.md5(f"{kind}|{refs}".encode()).hexdigest()[:11].upper()


def _link_positions(
    links: pd.DataFrame, link_ends: pd.DataFrame | None, business: np.ndarray
) -> pd.DataFrame:
    """Per link: the positions of its records, its probability, whether it joined, its rule,
    its row in ``links`` and the business (number) of each record."""
    if link_ends is None:
        link_ends = pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    left, right = link_ends["left"].to_numpy(np.int64), link_ends["right"].to_numpy(np.int64)
    return pd.DataFrame(
        {
            "left": left,
            "right": right,
            "probability": links["probability"].to_numpy(),
            "joined": links["joined"].to_numpy(bool),
            "rule": links["rule"].to_numpy(),
            "link": np.arange(len(links)),
            "left_id": business[left],
            "right_id": business[right],
        }
    )


def _levels(links: pd.DataFrame, link: pd.Series) -> list[str | None]:
    """The comparison levels of the chosen items' links, as JSON (a few thousand rows); None
    for the items without a link."""
    gammas = [c for c in links.columns if c.startswith("gamma_")]
    chosen = link.to_numpy(dtype=float)
    out: list[str | None] = [None] * len(chosen)
    if not gammas:
        return out
    (items,) = np.nonzero(~np.isnan(chosen))
    rows = links[gammas].iloc[chosen[items].astype(np.int64)]
    for item, values in zip(items, rows.itertuples(index=False), strict=True):
        out[item] = json.dumps(
            {c.removeprefix("gamma_"): int(v) for c, v in zip(gammas, values) if pd.notna(v)}
        )
    return out


def _weak_links(pairs: pd.DataFrame, sizes: np.ndarray) -> pd.DataFrame:
    joined = pairs[
        pairs["joined"] & (pairs["rule"] == "probabilistic") & (pairs["probability"] < WEAK_LINK)
    ]
    weakest = joined.sort_values(["probability", "left", "right"]).drop_duplicates("left_id")
    half = sizes[weakest["left_id"].to_numpy()] / 2
    return weakest.assign(kind="weak_link", impact=np.maximum(1, (half * half).round()))


def _large_clusters(business: np.ndarray, sizes: np.ndarray) -> pd.DataFrame:
    large = sizes[business] >= LARGE_CLUSTER
    first = pd.Series(business).loc[large].drop_duplicates()
    return pd.DataFrame(
        {
            "kind": "large_cluster",
            "left": first.index.to_numpy(),
            "right": np.nan,
            "probability": np.nan,
            "link": np.nan,
            "impact": sizes[first.to_numpy()] - 1,
        }
    )


def _possible_matches(
    possible: pd.DataFrame | None, business: np.ndarray, sizes: np.ndarray
) -> pd.DataFrame:
    if possible is None or possible.empty:
        # typed, so that the items concatenated with it keep integer record positions
        return pd.DataFrame(
            {
                "kind": pd.Series(dtype=object),
                "left": pd.Series(dtype=np.int64),
                "right": pd.Series(dtype=np.int64),
                "probability": pd.Series(dtype=float),
                "link": pd.Series(dtype=float),
                "impact": pd.Series(dtype=np.int64),
            }
        )
    left, right = business[possible["left"].to_numpy()], business[possible["right"].to_numpy()]
    apart = possible[left != right]
    impact = sizes[left[left != right]] * sizes[right[left != right]]
    return apart.assign(kind="possible_match", link=np.nan, impact=impact)


def _cut_links(pairs: pd.DataFrame, sizes: np.ndarray) -> pd.DataFrame:
    cut = pairs[~pairs["joined"] & (pairs["left_id"] != pairs["right_id"])]
    impact = sizes[cut["left_id"].to_numpy()] * sizes[cut["right_id"].to_numpy()]
    return cut.assign(kind="cut_link", impact=impact)
