"""Clustering again only the components that changed since last night.

``cluster_records`` never joins two records that no path of links joins, and every rule it
applies looks inside one component of the links: what it makes of a component depends on
that component's inputs alone. These are its records (their stable keys, and their match
hashes, which cover every attribute clustering reads), its links with their probabilities,
the steward's must-links, and the pairs it must keep apart. Links of equal probability are
merged in the order of the records' stable keys, not of their positions, so a component's
inputs decide its clusters whatever order the records come in.

Each component's inputs are summed up in a 128-bit signature (the sum, modulo 2**64, of a
hash of each record, link and pair, twice with two seeds). The seeds come from
``clustering_fingerprint``, the clustering code and its thresholds, so that a change of
either clusters every component again. The memo stores, per record of a component of two
or more records, the component's signature and the key of its cluster (the smallest record
key in it). An incremental night keeps the clusters of each component whose signature the
memo holds, and clusters the others. A full night clusters every component and gives the
same clusters, which ``tests/test_cluster_memo.py`` checks against drawn nights.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from umkm.resolution import clustering
from umkm.resolution.clustering import _adjacency, _pairs, cluster_records, usable_links

#: the memo's columns: a record's stable key, its component's signature (two halves) and
#: the stable key of its cluster (the smallest record key in it)
MEMO_COLUMNS = ["record_key", "signature_a", "signature_b", "cluster_key"]

#: what each hashed element is, so that a link and a pair kept apart never hash alike
_RECORD, _LINK, _FORCED, _APART, _KEEP_APART = (np.uint64(tag) for tag in range(1, 6))


@dataclass
class ComponentClustering:
    """Clusters per record, the links dropped by the components clustered tonight, the memo
    to store and how much of last night's was kept."""

    labels: np.ndarray
    dropped: dict[str, int]
    memo: pd.DataFrame
    components_kept: int
    components_clustered: int
    records_kept: int


def clustering_fingerprint(threshold: float, strong_probability: float) -> bytes:
    """A digest of the clustering code and its thresholds: the memo's seeds."""
    text = inspect.getsource(clustering) + f"|{threshold!r}|{strong_probability!r}"
    return hashlib.sha256(text.encode()).digest()


def cluster_components(
    attrs: pd.DataFrame,
    links: pd.DataFrame,
    threshold: float,
    keys: np.ndarray,
    record_hashes: np.ndarray,
    memo: pd.DataFrame | None = None,
    apart: pd.DataFrame | None = None,
    must_link: pd.DataFrame | None = None,
    keep_apart: pd.DataFrame | None = None,
    strong_probability: float = clustering.STRONG_PROBABILITY,
) -> ComponentClustering:
    """``cluster_records`` over the components of ``links`` (and ``must_link``), keeping the
    clusters ``memo`` holds for every component whose inputs are those it was made of.
    ``keys`` are the records' stable keys, ``record_hashes`` a hash per record of the
    attributes clustering reads. Without a memo (or with two records of one key), every
    component is clustered."""
    n = len(attrs)
    keys = np.asarray(keys, np.int64)
    if memo is not None and pd.Series(keys).duplicated().any():
        memo = None  # two records of one key (a collision): no component is looked up
    links = usable_links(links, threshold)
    forced, apart, keep_apart = _pairs(must_link), _pairs(apart), _pairs(keep_apart)
    edges = pd.concat([links[["left", "right"]], forced], ignore_index=True)
    left, right = edges["left"].to_numpy(np.int64), edges["right"].to_numpy(np.int64)
    _, component = connected_components(_adjacency(n, left, right), directed=False)
    linked = np.zeros(n, bool)
    linked[left] = linked[right] = True
    seeds = clustering_fingerprint(threshold, strong_probability)
    signatures = [
        _signatures(
            component,
            linked,
            keys,
            record_hashes,
            links,
            forced,
            apart,
            keep_apart,
            np.uint64(int.from_bytes(seeds[i : i + 8], "little")),
        )
        for i in (0, 8)
    ]
    per_record = pd.DataFrame(
        {
            "record_key": keys[linked],
            "signature_a": signatures[0][component[linked]].view(np.int64),
            "signature_b": signatures[1][component[linked]].view(np.int64),
        }
    )
    kept, cluster_kept = _kept_clusters(per_record, memo)
    in_kept = np.zeros(n, bool)
    in_kept[np.flatnonzero(linked)[kept]] = True
    labels = np.arange(n, dtype=np.int64)  # a record no link touches is a business of its own
    if in_kept.any():
        _, labels[in_kept] = np.unique(cluster_kept[kept], return_inverse=True)
        labels[in_kept] += n
    todo = np.flatnonzero(linked & ~in_kept)
    dropped: dict[str, int] = {}
    if len(todo):
        position = np.full(n, -1, np.int64)
        position[todo] = np.arange(len(todo))
        result = cluster_records(
            attrs.iloc[todo].reset_index(drop=True),
            _among(links, position, "probability"),
            threshold=threshold,
            strong_probability=strong_probability,
            apart=_among(apart, position),
            must_link=_among(forced, position),
            keep_apart=_among(keep_apart, position),
            keys=keys[todo],
        )
        labels[todo] = 2 * n + result.labels
        dropped = result.dropped
    _, labels = np.unique(labels, return_inverse=True)
    cluster_key = pd.Series(keys).groupby(labels).transform("min").to_numpy(np.int64)
    memo_tonight = per_record.assign(cluster_key=cluster_key[linked])[MEMO_COLUMNS]
    return ComponentClustering(
        labels=labels,
        dropped=dropped,
        memo=memo_tonight.reset_index(drop=True),
        components_kept=len(np.unique(component[in_kept])),
        components_clustered=len(np.unique(component[todo])),
        records_kept=int(in_kept.sum()),
    )


def _kept_clusters(
    per_record: pd.DataFrame, memo: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per record of ``per_record``: whether ``memo`` holds its component's signature with
    every record of it, and its cluster key there (meaningful where it does)."""
    kept = np.zeros(len(per_record), bool)
    cluster = np.zeros(len(per_record), np.int64)
    if memo is None or not len(memo) or not len(per_record):
        return kept, cluster
    found = per_record.assign(row=np.arange(len(per_record))).merge(
        memo[MEMO_COLUMNS], on=["record_key", "signature_a", "signature_b"]
    )
    rows = found["row"].to_numpy()
    kept[rows] = True
    cluster[rows] = found["cluster_key"].to_numpy(np.int64)
    # a component is kept whole or not at all (a record missing from it means a collision)
    signature = [per_record["signature_a"], per_record["signature_b"]]
    whole = pd.Series(kept).groupby(signature).transform("all").to_numpy(bool)
    return kept & whole, cluster


def _among(pairs: pd.DataFrame, position: np.ndarray, *carried: str) -> pd.DataFrame:
    """The pairs whose two records are among those ``position`` numbers (not -1), numbered
    so, with the ``carried`` columns."""
    left = position[pairs["left"].to_numpy(np.int64)]
    right = position[pairs["right"].to_numpy(np.int64)]
    inside = (left >= 0) & (right >= 0)
    return pd.DataFrame(
        {
            "left": left[inside],
            "right": right[inside],
            **{c: pairs[c].to_numpy()[inside] for c in carried},
        }
    )


def _signatures(
    component: np.ndarray,
    linked: np.ndarray,
    keys: np.ndarray,
    record_hashes: np.ndarray,
    links: pd.DataFrame,
    forced: pd.DataFrame,
    apart: pd.DataFrame,
    keep_apart: pd.DataFrame,
    seed: np.uint64,
) -> np.ndarray:
    """Per component, the sum (modulo 2**64) of the hashes of its records, links, must-links
    and pairs kept apart (pairs whose records sit in two components change nothing)."""
    records = np.flatnonzero(linked)
    parts = [
        (
            component[records],
            _mix(seed, _RECORD, keys[records].view(np.uint64), record_hashes[records]),
        )
    ]
    for tag, pairs in (
        (_LINK, links),
        (_FORCED, forced),
        (_APART, apart),
        (_KEEP_APART, keep_apart),
    ):
        left, right = pairs["left"].to_numpy(np.int64), pairs["right"].to_numpy(np.int64)
        inside = component[left] == component[right]
        left, right = left[inside], right[inside]
        ends = keys[left], keys[right]
        words = [np.minimum(*ends).view(np.uint64), np.maximum(*ends).view(np.uint64)]
        if tag == _LINK:
            words.append(pairs["probability"].to_numpy(np.float64)[inside].view(np.uint64))
        parts.append((component[left], _mix(seed, tag, *words)))
    owners = np.concatenate([p[0] for p in parts])
    order = np.argsort(owners, kind="stable")
    owners, hashes = owners[order], np.concatenate([p[1] for p in parts])[order]
    sums = np.zeros(component.max() + 1 if len(component) else 0, np.uint64)
    if len(owners):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        # uint64 addition wraps around: a sum modulo 2**64
        sums[owners[starts]] = np.add.reduceat(hashes, starts)
    return sums


def _mix(seed: np.uint64, tag: np.uint64, *words: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of ``words`` (splitmix64 finalisers, chained)."""
    state = np.full(len(words[0]) if words else 0, seed ^ tag, np.uint64)
    for word in words:
        state = _splitmix(state ^ np.asarray(word, np.uint64))
    return state


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))
