"""Clustering matched record pairs into businesses without chaining unrelated ones.

Plain connected components over match links chain different businesses through one shared
family phone, one owner's two shops or a generic name (a record with no location links to
every shop of that name). Three defences, in order:

1. **Cannot-link constraints** on pairs: two records with different NIBs, kabupaten/kota or
   kecamatans (both known) are different businesses; so are two records of the same
   regional registry whose business names and owner names are both other names, not the
   same written another way (one registry may list a business twice, but not under other
   names and owners); so are two records with two phones whose owners are other people,
   two records whose business names have nothing alike, and the pairs ``apart`` that the
   match model scored as different businesses. Links that break a constraint are dropped.
2. **Weak bridges**: a link below ``strong_probability`` whose two records share no other
   linked record, while each of them has other links, joins two groups by a single thread
   (a shared family phone): it is dropped.
3. **Constrained merging** inside the components that still hold a conflict through a path
   (two NIBs or places, a registry conflict, a pair kept apart): their links are merged
   greedily from the most to the least probable, refusing any merge that would join
   conflicting records.

Steps 1 and 2 and the components are vectorised (pandas, scipy sparse); step 3 loops only over
the links of the few conflicting components.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components


@dataclass
class ClusteringResult:
    labels: np.ndarray  # cluster number per record position
    dropped: dict[str, int]  # links dropped per reason


#: two names that score below this (rapidfuzz token-set ratio) are other names, not the same
#: name with a typo, a word more or an initial ('rahmat' and 'rahmat engkos sihotang' agree)
NAME_AGREEMENT = 85


def _registry_conflict(attrs: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    a, b = attrs.iloc[left], attrs.iloc[right]
    same_registry = (
        a["is_registry"].to_numpy()
        & b["is_registry"].to_numpy()
        & (a["source"].to_numpy() == b["source"].to_numpy())
    )
    conflict = np.zeros(len(left), dtype=bool)
    if same_registry.any():
        a, b = a[same_registry], b[same_registry]
        conflict[same_registry] = _other_names(
            a["business_name_norm"], b["business_name_norm"]
        ) & _other_names(a["owner_name_norm"], b["owner_name_norm"])
    return conflict


#: owners of two phones whose names score below this are other people
OWNERS_APART = 70


def _identity_conflict(attrs: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two phones and two owners who are other people: two businesses (in the generated ground
    truth 5 of 11,218 pairs of one business with both known look like that, all through
    typos in an owner's name)."""
    if "phone_e164" not in attrs:
        return np.zeros(len(left), dtype=bool)
    a, b = attrs.iloc[left], attrs.iloc[right]
    phones_differ = _differ(a["phone_e164"], b["phone_e164"])
    conflict = np.zeros(len(left), dtype=bool)
    if phones_differ.any():
        a, b = a[phones_differ], b[phones_differ]
        conflict[phones_differ] = _other_names(
            a["owner_name_norm"], b["owner_name_norm"], OWNERS_APART
        )
    return conflict


def _other_names(a: pd.Series, b: pd.Series, below: float = NAME_AGREEMENT) -> np.ndarray:
    """Both present and not the same name written another way: a rapidfuzz token-set ratio
    ``below`` (vectorised)."""
    present = _differ(a, b)
    score = np.full(len(a), 100.0)
    if present.any():
        score[present] = cpdist(
            a.to_numpy(dtype=object)[present].tolist(),
            b.to_numpy(dtype=object)[present].tolist(),
            scorer=fuzz.token_set_ratio,
            workers=1,
        )
    return present & (score < below)


def _differ(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Both present and different (a missing value contradicts nothing)."""
    a, b = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    present = pd.notna(a) & pd.notna(b)
    return present & (a != b)


#: attributes a business has one value of: records with two different values (both known)
#: are two businesses. A business is registered and sells where it operates; in the
#: generated ground truth no two records of one business name different kabupaten/kota,
#: and 2 of 34,081 pairs name different kecamatans
SINGLE_VALUED = ("nib", "kab_code", "kecamatan_code")


def _single_valued(attrs: pd.DataFrame) -> list[str]:
    return [column for column in SINGLE_VALUED if column in attrs]


def cannot_link(attrs: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether each pair (left[i], right[i]) of record positions must stay apart."""
    conflict = _registry_conflict(attrs, left, right) | _identity_conflict(attrs, left, right)
    for column in _single_valued(attrs):
        conflict |= _differ(attrs[column].iloc[left], attrs[column].iloc[right])
    return conflict


def _adjacency(n: int, left: np.ndarray, right: np.ndarray) -> csr_matrix:
    ones = np.ones(len(left), dtype=np.int32)
    graph = coo_matrix((ones, (left, right)), shape=(n, n))
    return ((graph + graph.T) > 0).astype(np.int32).tocsr()


#: a link at least this probable is never cut as a weak bridge between two groups of records
STRONG_PROBABILITY = 0.999


def _weak_bridges(n: int, links: pd.DataFrame, strong_probability: float) -> np.ndarray:
    """Links whose endpoints have other links but no common neighbour, below the strong bar."""
    left, right = links["left"].to_numpy(), links["right"].to_numpy()
    adjacency = _adjacency(n, left, right)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    common = np.asarray(adjacency[left].multiply(adjacency[right]).sum(axis=1)).ravel()
    return (
        (common == 0)
        & (degree[left] > 1)
        & (degree[right] > 1)
        & (links["probability"].to_numpy() < strong_probability)
    )


def cluster_records(
    attrs: pd.DataFrame,
    links: pd.DataFrame,
    threshold: float,
    strong_probability: float = STRONG_PROBABILITY,
    apart: pd.DataFrame | None = None,
    must_link: pd.DataFrame | None = None,
    keep_apart: pd.DataFrame | None = None,
    keys: np.ndarray | None = None,
) -> ClusteringResult:
    """Cluster ``len(attrs)`` records from ``links`` (left, right: record positions;
    probability) that reach ``threshold``; no cluster holds both records of a pair in
    ``apart`` (left, right: pairs the match model scored as different businesses).
    ``keys`` (a stable integer per record, by default its position) order links of equal
    probability, so that the clusters do not depend on the order the records come in.

    Stewards' decisions override the model and the rules: the pairs of ``must_link`` are
    joined whatever the rules say, and those of ``keep_apart`` never share a cluster
    (``umkm.resolution.stewardship``; contradictions between them are refused before clustering)."""
    n = len(attrs)
    forced = _pairs(must_link)
    links = usable_links(links, threshold)
    forbidden = cannot_link(attrs, links["left"].to_numpy(), links["right"].to_numpy())
    forbidden |= _in_pairs(links, _pairs(keep_apart))
    dropped = {"cannot_link": int(forbidden.sum())}
    links = links[~forbidden]
    weak = _weak_bridges(n, links, strong_probability) if len(links) else np.zeros(0, bool)
    dropped["weak_bridge"] = int(weak.sum())
    links = links[~weak].reset_index(drop=True)
    if len(forced):  # certain, first: the merge below takes them before any other link
        links = pd.concat([forced.assign(probability=FORCED), links], ignore_index=True)
    adjacency = _adjacency(n, links["left"].to_numpy(), links["right"].to_numpy())
    _, labels = connected_components(adjacency, directed=False)
    apart = pd.concat(
        [
            _within_components(apart, labels),
            _other_names_within(attrs, labels),
            _within_components(_pairs(keep_apart), labels),
        ],
        ignore_index=True,
    )
    conflicted = np.union1d(_conflicted_components(attrs, labels), labels[apart["left"].to_numpy()])
    if len(conflicted):
        order = np.arange(n, dtype=np.int64) if keys is None else np.asarray(keys, np.int64)
        labels, undone = _constrained_merge(attrs, links, labels, conflicted, apart, order)
        dropped["constrained_merge"] = undone
    return ClusteringResult(labels=labels, dropped=dropped)


def usable_links(links: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The links clustering takes: at least ``threshold``, between two records, each pair of
    positions once (its first link)."""
    links = links[(links["probability"] >= threshold) & (links["left"] != links["right"])]
    return links.drop_duplicates(["left", "right"]).reset_index(drop=True)


#: the probability of a steward's must-link: above every scored or deterministic link, so
#: that the merge takes it first, and marks it as a decision, never refused
FORCED = 2.0


def _pairs(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or not len(frame):
        return pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    left, right = frame["left"].to_numpy(np.int64), frame["right"].to_numpy(np.int64)
    return pd.DataFrame({"left": np.minimum(left, right), "right": np.maximum(left, right)})


def _in_pairs(links: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """Whether each link joins the two records of one of ``pairs``."""
    if not len(pairs) or not len(links):
        return np.zeros(len(links), dtype=bool)
    low = np.minimum(links["left"].to_numpy(), links["right"].to_numpy())
    high = np.maximum(links["left"].to_numpy(), links["right"].to_numpy())
    keys = pd.MultiIndex.from_arrays([low, high])
    return keys.isin(pd.MultiIndex.from_arrays([pairs["left"], pairs["right"]]))


def _conflicted_components(attrs: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Components holding two NIBs, or registry records of one source with other names and
    owners."""
    frame = attrs.assign(component=labels)
    registry = frame[frame["is_registry"]]
    per_source = registry.groupby(["component", "source"]).agg(
        names=("business_name_norm", "nunique"), owners=("owner_name_norm", "nunique")
    )
    registry_suspect = per_source[(per_source["names"] > 1) & (per_source["owners"] > 1)]
    conflicted = registry_suspect.index.get_level_values("component").unique().to_numpy()
    if "phone_e164" in attrs:
        people = (
            frame.dropna(subset=["phone_e164", "owner_name_norm"])
            .groupby("component")
            .agg(phones=("phone_e164", "nunique"), owners=("owner_name_norm", "nunique"))
        )
        suspects = people[(people["phones"] > 1) & (people["owners"] > 1)].index.to_numpy()
        conflicted = np.union1d(conflicted, suspects)
    for column in _single_valued(attrs):
        values = frame.groupby("component")[column].nunique()
        conflicted = np.union1d(conflicted, values[values > 1].index.to_numpy())
    return conflicted


#: business names this unlike (rapidfuzz partial ratio below it) are two businesses: in the
#: generated ground truth no two records of one business score below 50, and 0.04 % below
#: 60 ('dalur nsli' and 'dapur asli' score 60)
NAME_APART = 50


def unlike_names(attrs: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether the business names of each pair (both known) are so unlike (``NAME_APART``)
    that the two records are two businesses."""
    a = attrs["business_name_norm"].to_numpy(dtype=object)[left]
    b = attrs["business_name_norm"].to_numpy(dtype=object)[right]
    known = pd.notna(a) & pd.notna(b)
    unlike = np.zeros(len(left), dtype=bool)
    if known.any():
        score = cpdist(a[known].tolist(), b[known].tolist(), scorer=fuzz.partial_ratio, workers=1)
        unlike[known] = score < NAME_APART
    return unlike


def _other_names_within(attrs: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Pairs of records (left, right) of one component whose business names are so unlike
    that they are two businesses (all distinct names of a component compared, vectorised)."""
    frame = pd.DataFrame(
        {
            "component": labels,
            "name": attrs["business_name_norm"].to_numpy(),
            "position": np.arange(len(labels)),
        }
    ).dropna(subset=["name"])
    names = frame.drop_duplicates(["component", "name"])
    names = names[names.groupby("component")["name"].transform("size") > 1]
    pairs = names.merge(names, on="component", suffixes=("_l", "_r"))
    pairs = pairs[pairs["name_l"] < pairs["name_r"]]
    if pairs.empty:
        return pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    score = cpdist(
        pairs["name_l"].tolist(), pairs["name_r"].tolist(), scorer=fuzz.partial_ratio, workers=1
    )
    unlike = pairs.loc[score < NAME_APART, ["component", "name_l", "name_r"]]
    records = frame[["component", "name", "position"]]
    left = unlike.merge(
        records.rename(columns={"name": "name_l", "position": "left"}), on=["component", "name_l"]
    )
    both = left.merge(
        records.rename(columns={"name": "name_r", "position": "right"}), on=["component", "name_r"]
    )
    return both[["left", "right"]].reset_index(drop=True)


def _within_components(apart: pd.DataFrame | None, labels: np.ndarray) -> pd.DataFrame:
    """The pairs of ``apart`` whose two records ended up in one component."""
    if apart is None or not len(apart):
        return pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    left, right = apart["left"].to_numpy(), apart["right"].to_numpy()
    return apart[labels[left] == labels[right]]


def _constrained_merge(
    attrs: pd.DataFrame,
    links: pd.DataFrame,
    labels: np.ndarray,
    conflicted: np.ndarray,
    apart: pd.DataFrame,
    keys: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Greedy merging, most probable link first (links of equal probability by the ``keys``
    of their two records), within the conflicted components only.

    Each growing group keeps its NIBs, its registry records (source, name, owner) and the
    records it must stay apart from as sets, so a merge is checked against the constraints
    with set operations, not record pairs.
    """
    in_conflict = np.isin(labels, conflicted)
    members = np.flatnonzero(in_conflict)
    member_list = members.tolist()
    parent = dict(zip(member_list, member_list, strict=True))
    groups = {m: [m] for m in member_list}
    # each group's state: the known values of each single-valued attribute as (attribute,
    # value) pairs, its registry records (source, name, owner), its people (phone, owner)
    # and the records it must stay apart from; filled column by column, not record by record
    values: dict[int, set[tuple[str, Any]]] = {m: set() for m in member_list}
    for column in _single_valued(attrs):
        known, (value,) = _known(members, attrs[column])
        for m, v in zip(known, value, strict=True):
            values[m].add((column, v))
    listed: dict[int, list[tuple[Any, Any, Any]]] = {m: [] for m in member_list}
    on_registry = members[attrs["is_registry"].to_numpy(dtype=bool)[members]]
    registry_columns = [attrs[c] for c in ("source", "business_name_norm", "owner_name_norm")]
    for m, *entry in zip(on_registry.tolist(), *_at(on_registry, registry_columns), strict=True):
        listed[m].append(tuple(entry))
    people: dict[int, list[tuple[Any, Any]]] = {m: [] for m in member_list}
    if "phone_e164" in attrs:
        known, (phone, owner) = _known(members, attrs["phone_e164"], attrs["owner_name_norm"])
        for m, p, o in zip(known, phone, owner, strict=True):
            people[m].append((p, o))
    against: dict[int, set[int]] = {m: set() for m in member_list}
    for left, right in zip(
        apart["left"].to_numpy(np.int64).tolist(), apart["right"].to_numpy(np.int64).tolist()
    ):
        against[left].add(right)
        against[right].add(left)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def people_clash(a: list[Any], b: list[Any]) -> bool:
        return any(pa != pb and _other_name(oa, ob, OWNERS_APART) for pa, oa in a for pb, ob in b)

    def registry_clash(a: list[Any], b: list[Any]) -> bool:
        return any(
            sa == sb and _other_name(na, nb) and _other_name(oa, ob)
            for sa, na, oa in a
            for sb, nb, ob in b
        )

    local = links[in_conflict[links["left"].to_numpy()]]
    ends = keys[local["left"].to_numpy()], keys[local["right"].to_numpy()]
    local = local.assign(low=np.minimum(*ends), high=np.maximum(*ends)).sort_values(
        ["probability", "low", "high"], ascending=[False, True, True], kind="stable"
    )
    refused = 0
    for left, right, probability in zip(
        local["left"].to_numpy(np.int64).tolist(),
        local["right"].to_numpy(np.int64).tolist(),
        local["probability"].tolist(),
        strict=True,
    ):
        a, b = root(left), root(right)
        if a == b:
            continue
        if probability < FORCED and (
            _two_values(values[a], values[b])
            # (the clashes need records on both sides: most groups have none of one kind)
            or (listed[a] and listed[b] and registry_clash(listed[a], listed[b]))
            or (people[a] and people[b] and people_clash(people[a], people[b]))
            or not against[a].isdisjoint(groups[b])
        ):
            refused += 1
            continue
        if len(groups[a]) < len(groups[b]):
            a, b = b, a
        parent[b] = a
        groups[a].extend(groups.pop(b))
        values[a] |= values.pop(b)
        listed[a].extend(listed.pop(b))
        people[a].extend(people.pop(b))
        against[a] |= against.pop(b)
    labels = labels.copy()
    # a group's records are those whose root is the group's
    labels[members] = labels.max() + 1 + np.fromiter(map(root, member_list), np.int64, len(members))
    _, labels = np.unique(labels, return_inverse=True)
    return labels, refused


def _at(positions: np.ndarray, columns: list[pd.Series]) -> list[list[Any]]:
    """The values of ``columns`` at ``positions``, as Python lists."""
    return [column.iloc[positions].to_numpy(dtype=object).tolist() for column in columns]


def _known(positions: np.ndarray, *columns: pd.Series) -> tuple[list[int], list[list[Any]]]:
    """The ``positions`` at which every one of ``columns`` is known, and the columns' values
    there (Python lists)."""
    arrays = [column.iloc[positions].to_numpy(dtype=object) for column in columns]
    known = np.logical_and.reduce([pd.notna(a) for a in arrays])
    return positions[known].tolist(), [a[known].tolist() for a in arrays]


def _two_values(a: set[Any], b: set[Any]) -> bool:
    """Whether two groups' (attribute, value) sets hold two values of one attribute."""
    merged = a | b
    return len({attribute for attribute, _ in merged}) < len(merged)


def _other_name(a: Any, b: Any, below: float = NAME_AGREEMENT) -> bool:
    """One pair's ``_other_names``."""
    return (
        a is not None
        and b is not None
        and pd.notna(a)
        and pd.notna(b)
        and a != b
        and fuzz.token_set_ratio(a, b) < below
    )
