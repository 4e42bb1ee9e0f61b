"""Deduplication of canonical records into businesses on strong keys (NIB, phone, e-mail).

Records that share a valid NIB, an E.164 phone number or an e-mail address are linked, and
the links' connected components are the businesses. This is the first, deterministic matcher;
its output (one ``cluster`` per record, with the rule that linked it) is what the identity
step turns into ``umkm_id``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

STRONG_KEYS = {"nib": "nib", "phone": "phone_e164", "email": "email"}


def strong_key_edges(records: pd.DataFrame) -> pd.DataFrame:
    """Edges (left, right, rule) between records that share a strong key; a star per key value."""
    edges = []
    positions = pd.Series(np.arange(len(records)), index=records.index)
    for rule, column in STRONG_KEYS.items():
        values = records[column]
        present = values.notna()
        first = positions[present].groupby(values[present].to_numpy()).transform("first")
        linked = first != positions[present]
        edges.append(pd.DataFrame({
            "left": first[linked].to_numpy(), "right": positions[present][linked].to_numpy(),
            "rule": rule,
        }))
    return pd.concat(edges, ignore_index=True)


def strong_key_clusters(records: pd.DataFrame) -> pd.DataFrame:
    """One row per record (same order): ``cluster`` number and ``match_rule``."""
    n = len(records)
    edges = strong_key_edges(records)
    graph = coo_matrix(
        (np.ones(len(edges)), (edges["left"].to_numpy(), edges["right"].to_numpy())), shape=(n, n)
    )
    _, labels = connected_components(graph, directed=False)
    match_rule = pd.Series("", index=range(n))
    for rule in STRONG_KEYS:
        ends = edges.loc[edges["rule"] == rule, ["left", "right"]].to_numpy().ravel()
        linked = np.zeros(n, dtype=bool)
        linked[ends] = True
        joiner = np.where(match_rule == "", "", "+")
        match_rule = match_rule.where(~linked, match_rule + joiner + rule)
    match_rule = match_rule.replace("", "singleton")
    return pd.DataFrame({
        "cluster": labels,
        "match_rule": match_rule.to_numpy(),
        "match_confidence": 1.0,
    }, index=records.index)
