"""Entity resolution: from canonical records to clusters of records that are one business.

The steps (each in ``con``, a DuckDB connection within the job's limits):

1. ``umkm.resolution.match_input``: the features of every record, with the value frequencies stored
   with the model (counted afresh on a training night);
2. ``umkm.resolution.blocking``: the candidate pairs, about linear in the records;
3. ``umkm.resolution.scoring``: every candidate pair scored with the model. On an **incremental night**
   (the model unchanged, last night's scores at hand, no full rebuild asked for) a pair of two
   records whose match fields did not change since last night keeps last night's score
   (``quality.match_link`` for links, ``restricted.match_score`` for the rest): only the pairs
   touching a new or changed record are scored. Scores depend on the pair and the model alone
   (frozen frequencies), so an incremental night gives the businesses a full night gives;
4. ``umkm.resolution.clustering``: NIB links, scored links and last night's businesses (continuity) are
   clustered without chaining; the pairs scored as different businesses are looked up only
   inside the components that links make.

The model is reused from the previous run unless retraining is asked for, no model exists
yet, or the comparisons or blocking rules changed since it was trained.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from schemas.catalog import SOURCES_BY_KEY
from umkm.duckdb_settings import DuckDBSettings
from umkm.record_keys import record_refs
from umkm.resolution import blocking, comparisons, scoring, splink_model
from umkm.resolution.cluster_memo import cluster_components
from umkm.resolution.clustering import (
    _adjacency,
    _in_pairs,
    _pairs,
    cannot_link,
    unlike_names,
)
from umkm.resolution.deterministic import shared_key_links
from umkm.resolution.match_input import prepare_input
from umkm.resolution.stewardship import Constraints, constraints_for, no_constraints

#: pairs at or above this probability are stored as links (with their explanation)
LINK_THRESHOLD = 0.2
#: links at or above this probability may join records into one business, and candidate
#: pairs scored below ``APART_THRESHOLD`` are different businesses that no cluster may hold
#: both of; the pair of values with the best pairwise F1 whose business count stays within
#: 1 % of the truth on the accuracy benchmark (benchmarks/entity_resolution.py, seed 5)
CLUSTER_THRESHOLD = 0.2
APART_THRESHOLD = 0.01
#: a record that clustering left alone joins the business of its most probable partner when
#: that pair scored at least this, unless a rule or a decision keeps it from any record of
#: that business (``_attach_singletons``)
ATTACH_THRESHOLD = 0.05
#: the previous run's businesses hold together tonight unless tonight's evidence keeps two of
#: their records apart (two NIBs, a registry conflict, a pair scored below
#: ``APART_THRESHOLD``): their records are chained by links of this probability, so they are
#: never weak bridges and come first when conflicting links are merged one by one (the
#: merge is stable), and a business whose records did not change keeps its cluster and id
CONTINUITY_PROBABILITY = 1.0
#: last night's scores (every scored candidate pair's probability), by stable record keys
SCORE_TABLE = "restricted.match_score"
SCORE_COLUMNS = ["key_l", "key_r", "probability"]
#: last night's clusters per component of links (``umkm.resolution.cluster_memo``)
CLUSTER_MEMO_TABLE = "restricted.cluster_memo"


@dataclass
class PreviousNight:
    """What an incremental night reuses besides last night's match hashes: its explained
    links (``quality.match_link``), every scored pair's probability (``SCORE_TABLE``) and
    its clusters per component (``CLUSTER_MEMO_TABLE``, None before it was first stored)."""

    links: pd.DataFrame
    scores: pd.DataFrame
    model_version: str
    clusters: pd.DataFrame | None = None


#: ``match_rule`` of a record that is a business of its own
SINGLETON = "singleton"


@dataclass
class Resolution:
    """Each record's cluster, the scored links, the model used and what it took."""

    #: per record, in the order of the canonical records resolved: source,
    #: source_record_id, cluster, match_hash, match_probability, match_rule
    records: pd.DataFrame
    links: pd.DataFrame
    model: splink_model.TrainedModel
    trained_now: bool
    figures: dict[str, Any] = field(default_factory=dict)
    #: the previous run's published record links (source, source_record_id, umkm_id), if any
    previous_ids: pd.DataFrame | None = None
    #: every scored candidate pair's probability, by stable record keys (``SCORE_COLUMNS``)
    scores: pd.DataFrame | None = None
    #: per blocking rule: pairs made, new pairs, blocks over the cap (``blocking.RULE_COUNT_COLUMNS``)
    blocking: pd.DataFrame | None = None
    #: the stewards' decisions as applied tonight (status of each, contradictions)
    decisions: Constraints = field(default_factory=no_constraints)
    #: pairs scored below the link threshold that share a phone, NIB or NIK: possible
    #: matches the model missed (left, right, probability, shared)
    possible_matches: pd.DataFrame | None = None
    #: the positions of each link's two records in ``records`` (left, right), row by row
    #: with ``links``
    link_ends: pd.DataFrame | None = None
    #: tonight's clusters per component of links, for the next night to keep
    #: (``umkm.resolution.cluster_memo.MEMO_COLUMNS``)
    cluster_memo: pd.DataFrame | None = None

    @property
    def matched_share(self) -> float:
        """The share of records linked to at least one other record (0 without records)."""
        if not len(self.records):
            return 0.0
        return float((self.records["match_rule"] != SINGLETON).mean())


def needs_training(model: splink_model.TrainedModel | None, retrain: bool) -> str | None:
    """Why the model must be trained, or None when the stored one can be reused."""
    if retrain:
        return "retraining was asked for"
    if model is None:
        return "no trained model is stored yet"
    if model.structure != comparisons.structure_fingerprint():
        return "the comparisons or blocking rules changed since the stored model was trained"
    if model.frequencies is None:
        return "the stored model has no value frequencies"
    return None


def full_rebuild_reason(
    trained_now: bool,
    full_rebuild: bool,
    previous: PreviousNight | None,
    model_version: str,
    previous_hashes: pd.DataFrame | None,
) -> str | None:
    """Why every candidate pair is scored tonight, or None for an incremental night."""
    if full_rebuild:
        return "a full rebuild was asked for"
    if trained_now:
        return "the model was trained tonight"
    if previous is None:
        return "no scores of an earlier night are stored"
    if previous_hashes is None:
        return "no match hashes of an earlier night are stored"
    if previous.model_version != model_version:
        return "last night's scores come from another model"
    return None


def resolve_entities(
    records: pd.DataFrame,
    model: splink_model.TrainedModel | None,
    retrain: bool = False,
    cluster_threshold: float = CLUSTER_THRESHOLD,
    charts_dir: str | os.PathLike[str] | None = None,
    previous_ids: pd.DataFrame | None = None,
    previous: PreviousNight | None = None,
    full_rebuild: bool = False,
    previous_hashes: pd.DataFrame | None = None,
    duckdb_settings: DuckDBSettings | None = None,
    decisions: pd.DataFrame | None = None,
) -> Resolution:
    """Cluster canonical ``records`` into businesses; returns per record (in the order of
    ``records``) its ``source``, ``source_record_id``, ``cluster``, ``match_probability``
    (best link inside its cluster, NA alone), ``match_rule`` and ``match_hash``. ``previous_ids`` (source, source_record_id, umkm_id: the previous run's
    published links) keep yesterday's businesses together where tonight's evidence does not
    part them; ``previous_hashes`` (source, source_record_id, match_hash as last published)
    tell which records are new or changed since, on a full night as on an incremental one;
    ``previous`` lets an incremental night reuse last night's scores;
    ``decisions`` are the stewards' (``umkm.resolution.stewardship``), which override model and rules."""
    records = records.reset_index(drop=True)
    figures: dict[str, Any] = {}
    settings = duckdb_settings or DuckDBSettings.for_this_machine()
    with settings.connection() as con:
        started = time.perf_counter()
        reason = needs_training(model, retrain)
        frequencies = prepare_input(
            con, records, None if reason or model is None else model.frequencies
        )
        figures["match_input_seconds"] = round(time.perf_counter() - started, 1)
        if reason:
            model = splink_model.train(con, len(records), frequencies)
            figures["training_reason"] = reason
            figures["training_seconds"] = round(model.training_seconds, 1)
        assert model is not None  # needs_training says why when there is none
        started = time.perf_counter()
        rule_counts = blocking.candidate_pairs(con)
        figures["candidate_pairs"] = int(rule_counts["new_pairs"].sum())
        figures["blocking_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        rebuild = full_rebuild_reason(
            reason is not None, full_rebuild, previous, model.version, previous_hashes
        )
        figures["night"] = "full" if rebuild else "incremental"
        figures["full_rebuild_reason"] = rebuild or ""
        _record_keys(con, records)
        if rebuild:
            to_score = "candidate_pairs"
        else:
            # a night without either is a full rebuild
            assert previous is not None and previous_hashes is not None
            to_score = _reuse_previous_scores(
                con, previous, previous_hashes, LINK_THRESHOLD, figures
            )
        scored = scoring.score_pairs(con, model.model_json, to_score, LINK_THRESHOLD)
        figures["pairs_scored"] = scored.pairs
        figures["scoring_seconds"] = round(time.perf_counter() - started, 1)
        scored_links = con.execute(
            "SELECT * FROM scored_links ORDER BY unique_id_l, unique_id_r"
        ).df()
        scores = con.execute("""
            SELECT least(k.key_l, k.key_r) AS key_l, greatest(k.key_l, k.key_r) AS key_r,
                   s.match_probability::FLOAT AS probability
            FROM scored_probabilities s JOIN (
                SELECT p.unique_id_l, p.unique_id_r, l.record_key AS key_l, r.record_key AS key_r
                FROM candidate_pairs p JOIN record_keys l ON l.unique_id = p.unique_id_l
                JOIN record_keys r ON r.unique_id = p.unique_id_r) k
            USING (unique_id_l, unique_id_r)""").df()
        # per record: its match hash, its stable key, and a 64-bit hash of the match hash
        identity = con.execute(
            "SELECT m.match_hash, k.record_key, hash(m.match_hash) AS record_hash "
            "FROM record_keys k JOIN match_input m USING (unique_id) ORDER BY unique_id"
        ).df()
        match_hashes = identity["match_hash"]
        if charts_dir is not None and reason:
            figures["model_charts"] = splink_model.save_charts(model, con, charts_dir)
        started = time.perf_counter()
        # in record order: DuckDB returns pairs in any order, and ties of probability are
        # merged in the order the links come, so the same inputs must give the same order
        scored = scored_links.rename(
            columns={
                "unique_id_l": "left",
                "unique_id_r": "right",
                "match_probability": "probability",
            }
        )
        keys = identity["record_key"].to_numpy(np.int64)
        nib_links = shared_key_links(records, "nib").assign(probability=1.0)
        continuity = continuity_links(records, previous_ids, keys)
        links = pd.concat(
            [continuity, scored[["left", "right", "probability"]], nib_links], ignore_index=True
        )
        apart = _apart_within_components(con, len(records), links, cluster_threshold)
        possible = _possible_matches(con)
        attrs = records[
            [
                "nib",
                "kab_code",
                "kecamatan_code",
                "source",
                "business_name_norm",
                "owner_name_norm",
                "phone_e164",
            ]
        ].assign(
            is_registry=records["source"]
            .map({k: s.kind == "registry" for k, s in SOURCES_BY_KEY.items()})
            .fillna(False)
        )
        apart = pd.concat(
            [apart, scored.loc[_two_businesses(scored), ["left", "right"]]], ignore_index=True
        )
        steward = constraints_for(records, decisions)
        if steward.contradictions:  # refused: the check fails and nothing is published
            steward = _without_contradicted(steward)
        # an incremental night keeps last night's clusters of the components that did not change
        clustering = cluster_components(
            attrs,
            links,
            cluster_threshold,
            keys=keys,
            record_hashes=identity["record_hash"].to_numpy(np.uint64),
            memo=previous.clusters if previous is not None and not rebuild else None,
            apart=apart,
            must_link=steward.must_link,
            keep_apart=pd.concat(
                [steward.cannot_link, _detached_pairs(steward.detached, links)], ignore_index=True
            ),
        )
        fresh, alone_last_night = _since_last_night(
            records, match_hashes, previous_ids, previous_hashes
        )
        held = alone_last_night & ~fresh
        labels, attached = _attach_singletons(
            con, attrs, clustering.labels, steward, apart, ATTACH_THRESHOLD, held, fresh
        )
        # the pairs below the link threshold inside a business: the evidence of a record that
        # joined by one (tonight, or on an earlier night and held by continuity since), as
        # stored for reuse (FLOAT): the same on a full and an incremental night
        weak = con.execute(
            "SELECT * FROM (SELECT unique_id_l AS left, unique_id_r AS right, "
            "match_probability::FLOAT AS probability FROM scored_probabilities) "
            "WHERE probability >= ? AND probability < ?",
            [ATTACH_THRESHOLD, LINK_THRESHOLD],
        ).df()
        weak = weak[labels[weak["left"].to_numpy()] == labels[weak["right"].to_numpy()]]
    figures["links_scored"] = len(scored)
    figures["continuity_links"] = len(continuity)
    figures["links_dropped"] = clustering.dropped
    figures["components_kept"] = clustering.components_kept
    figures["components_clustered"] = clustering.components_clustered
    figures["records_in_kept_components"] = clustering.records_kept
    figures["records_attached"] = len(attached)
    figures["records_held_alone"] = int(held.sum())
    figures["clustering_seconds"] = round(time.perf_counter() - started, 1)
    out = records[["source", "source_record_id"]].assign(
        cluster=labels, match_hash=match_hashes.to_numpy()
    )
    evidence = pd.concat(
        [scored[["left", "right", "probability"]], nib_links, weak], ignore_index=True
    )
    inside = evidence[labels[evidence["left"].to_numpy()] == labels[evidence["right"].to_numpy()]]
    out = out.join(_confidence(inside, labels))
    explained, link_ends = _explained_links(scored, nib_links, records, inside)
    return Resolution(
        records=out,
        links=explained,
        model=model,
        trained_now=reason is not None,
        figures=figures,
        previous_ids=previous_ids,
        scores=scores,
        blocking=rule_counts,
        decisions=steward,
        possible_matches=possible,
        link_ends=link_ends,
        cluster_memo=clustering.memo,
    )


def _attach_singletons(
    con: duckdb.DuckDBPyConnection,
    attrs: pd.DataFrame,
    labels: np.ndarray,
    steward: Constraints,
    apart: pd.DataFrame,
    threshold: float,
    held: np.ndarray | None = None,
    fresh: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Records that clustering left alone, each joined to the business of its most probable
    scored partner (at least ``threshold``): a record whose name a dense place shares with
    several businesses belongs to one of them, not to a business of its own, which would
    count one business too many. Two records alone join only when each is the other's most
    probable partner, so nothing chains. A record stays alone when a rule of clustering
    (``cannot_link``, names too unlike), a pair scored or judged as two businesses (below
    ``APART_THRESHOLD``, ``apart``) or a steward's decision keeps it from any record of that
    business. A ``held`` record (alone on the previous night, and unchanged since) joins only
    a ``fresh`` partner (new or changed tonight): what was decided on the same evidence
    stays decided, so its business and the one it would join keep their ids (without this,
    a small shift of scores from one night to the next moved records between businesses).
    Probabilities are compared as stored for reuse (FLOAT), so that a full and an
    incremental night choose alike. Returns the labels and the pairs joined (left, right,
    probability)."""
    none = pd.DataFrame(
        {"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64), "probability": np.zeros(0)}
    )
    alone = np.bincount(labels)[labels] == 1
    alone[steward.detached] = False
    if not alone.any():
        return labels, none
    con.register("alone", pd.DataFrame({"unique_id": np.flatnonzero(alone)}))
    pairs = con.execute(
        """
        WITH stored AS (  -- at the precision scores are kept in: the same on every night
            SELECT unique_id_l, unique_id_r, match_probability::FLOAT AS probability
            FROM scored_probabilities)
        SELECT a.unique_id AS s, p.unique_id_r AS t, p.probability
        FROM stored p JOIN alone a ON a.unique_id = p.unique_id_l
        WHERE p.probability >= $threshold
        UNION ALL
        SELECT a.unique_id, p.unique_id_l, p.probability
        FROM stored p JOIN alone a ON a.unique_id = p.unique_id_r
        WHERE p.probability >= $threshold""",
        {"threshold": threshold},
    ).df()
    best = pairs.sort_values(
        ["s", "probability", "t"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("s")
    target_alone = alone[best["t"].to_numpy()]
    partner = best.set_index("s")["t"]
    mutual = partner.reindex(best["t"].to_numpy()).to_numpy() == best["s"].to_numpy()
    best = best[~target_alone | (mutual & (best["s"] > best["t"]).to_numpy())]
    if held is not None and fresh is not None:
        best = best[~held[best["s"].to_numpy()] | fresh[best["t"].to_numpy()]]
    # every record of the target business, checked against the record that would join it
    members = pd.DataFrame({"cluster": labels, "m": np.arange(len(labels))})
    checked = best.assign(cluster=labels[best["t"].to_numpy()]).merge(members, on="cluster")
    s, m = checked["s"].to_numpy(np.int64), checked["m"].to_numpy(np.int64)
    ends = pd.DataFrame({"left": s, "right": m})
    blocked = (
        cannot_link(attrs, s, m)
        | unlike_names(attrs, s, m)
        | _in_pairs(ends, _pairs(steward.cannot_link))
        | _in_pairs(ends, _pairs(apart))
    )
    con.register("checked", pd.DataFrame({"l": np.minimum(s, m), "r": np.maximum(s, m)}))
    scored_apart = con.execute(
        "SELECT c.l, c.r FROM checked c JOIN scored_probabilities p "
        "ON p.unique_id_l = c.l AND p.unique_id_r = c.r WHERE p.match_probability::FLOAT < ?",
        [APART_THRESHOLD],
    ).df()
    con.unregister("checked")
    con.unregister("alone")
    blocked |= pd.MultiIndex.from_arrays([np.minimum(s, m), np.maximum(s, m)]).isin(
        pd.MultiIndex.from_frame(scored_apart)
    )
    refused = np.unique(s[blocked])
    best = best[~best["s"].isin(refused)]
    labels = labels.copy()
    labels[best["s"].to_numpy()] = labels[best["t"].to_numpy()]
    _, labels = np.unique(labels, return_inverse=True)
    return labels, pd.DataFrame(
        {
            "left": best["s"].to_numpy(np.int64),
            "right": best["t"].to_numpy(np.int64),
            "probability": best["probability"].to_numpy(float),
        }
    )


def _since_last_night(
    records: pd.DataFrame,
    match_hashes: pd.Series,
    previous_ids: pd.DataFrame | None,
    previous_hashes: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per record (in the order of ``records``): is it fresh (not published last night, or
    its match hash changed since), and was it a business of its own last night. Without last
    night's ids every record is fresh; without its match hashes every record is taken as
    changed."""
    n = len(records)
    if previous_ids is None or not len(previous_ids):
        return np.ones(n, bool), np.zeros(n, bool)
    tonight = pd.DataFrame(
        {
            "source": records["source"].to_numpy(),
            "source_record_id": records["source_record_id"].to_numpy(),
            "match_hash": match_hashes.to_numpy(),
        }
    )
    ids = previous_ids[["source", "source_record_id", "umkm_id"]].drop_duplicates(
        ["source", "source_record_id"]
    )
    sizes = ids.groupby("umkm_id")["source"].transform("size")
    last = tonight.merge(
        ids.assign(alone=sizes.to_numpy() == 1)[["source", "source_record_id", "alone"]],
        on=["source", "source_record_id"],
        how="left",
    )
    known = last["alone"].notna().to_numpy()
    alone = last["alone"].fillna(False).to_numpy(bool)
    if previous_hashes is None:
        return np.ones(n, bool), alone
    hashes = previous_hashes[["source", "source_record_id", "match_hash"]].drop_duplicates(
        ["source", "source_record_id"]
    )
    same = tonight.merge(
        hashes.rename(columns={"match_hash": "last_hash"}),
        on=["source", "source_record_id"],
        how="left",
    )
    unchanged = (same["last_hash"] == same["match_hash"]).fillna(False).to_numpy(bool)
    return ~(known & unchanged), alone


def _without_contradicted(steward: Constraints) -> Constraints:
    """The decisions without those that contradict others (none of them is applied)."""
    return Constraints(
        must_link=steward.must_link.iloc[0:0],
        cannot_link=steward.cannot_link.iloc[0:0],
        detached=steward.detached[:0],
        status=steward.status,
        contradictions=steward.contradictions,
        decided=steward.decided.iloc[0:0],
    )


def _detached_pairs(detached: np.ndarray, links: pd.DataFrame) -> pd.DataFrame:
    """A detached record kept apart from every record a link joins it to."""
    if not len(detached):
        return pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    touching = links[links["left"].isin(detached) | links["right"].isin(detached)]
    return touching[["left", "right"]].astype(np.int64)


def _record_keys(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> None:
    """``record_keys``: each record's position, its reference and its stable 64-bit key (from
    ``source:source_record_id``), by which scores are kept from night to night."""
    con.register(
        "refs",
        pd.DataFrame(
            {"unique_id": np.arange(len(records)), "ref": record_refs(records).to_numpy()}
        ),
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE record_keys AS "
        f"SELECT unique_id, ref, {_KEY_SQL.format(ref='ref')} AS record_key FROM refs"
    )
    con.unregister("refs")


#: a record's stable key from its reference. Two references of one key are not checked for
#: (at 2 M records the odds are about 1 in 5 million); the cluster memo is not used on a
#: night that has two (``cluster_memo.cluster_components``)
_KEY_SQL = "(md5_number_lower({ref}) >> 1)::BIGINT"  # 63 bits: a BIGINT on every engine


def _reuse_previous_scores(
    con: duckdb.DuckDBPyConnection,
    previous: PreviousNight,
    previous_hashes: pd.DataFrame,
    threshold: float,
    figures: dict[str, Any],
) -> str:
    """Carry last night's scores of the candidate pairs whose two records did not change into
    ``scored_links`` and ``scored_probabilities``; return the table of the pairs left to score
    (those touching a new or changed record)."""
    con.register(
        "previous_hashes",
        previous_hashes.assign(ref=record_refs(previous_hashes))[["ref", "match_hash"]],
    )
    con.register("previous_scores", previous.scores)
    links = previous.links[previous.links["rule"] == "probabilistic"]
    explained = [c for c in links.columns if c.startswith(("gamma_", "mw_"))]
    con.register(
        "previous_links",
        pd.DataFrame(
            {
                "left_record": record_refs(links, "left_"),
                "right_record": record_refs(links, "right_"),
                **{c: links[c] for c in ("probability", "match_weight", *explained)},
            }
        ),
    )
    key_l, key_r = _KEY_SQL.format(ref="left_record"), _KEY_SQL.format(ref="right_record")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE unchanged AS
        SELECT k.unique_id, k.record_key FROM record_keys k JOIN match_input m USING (unique_id)
        JOIN previous_hashes p ON p.ref = k.ref AND p.match_hash = m.match_hash;
        CREATE OR REPLACE TEMP TABLE reused AS
        SELECT c.unique_id_l, c.unique_id_r, s.probability FROM candidate_pairs c
        JOIN unchanged l ON l.unique_id = c.unique_id_l
        JOIN unchanged r ON r.unique_id = c.unique_id_r
        JOIN previous_scores s ON s.key_l = least(l.record_key, r.record_key)
                              AND s.key_r = greatest(l.record_key, r.record_key);
        CREATE OR REPLACE TEMP TABLE pairs_to_score AS
        SELECT unique_id_l, unique_id_r FROM candidate_pairs
        ANTI JOIN reused USING (unique_id_l, unique_id_r);
        CREATE OR REPLACE TABLE scored_probabilities AS
        SELECT unique_id_l, unique_id_r, probability AS match_probability FROM reused;
        CREATE OR REPLACE TABLE scored_links AS
        SELECT r.unique_id_l, r.unique_id_r, p.match_weight,
               p.probability AS match_probability, {", ".join(explained)}
        FROM reused r
        JOIN record_keys l ON l.unique_id = r.unique_id_l
        JOIN record_keys k ON k.unique_id = r.unique_id_r
        JOIN (SELECT *, least({key_l}, {key_r}) AS key_lo, greatest({key_l}, {key_r}) AS key_hi
              FROM previous_links) p
          ON p.key_lo = least(l.record_key, k.record_key)
         AND p.key_hi = greatest(l.record_key, k.record_key)
        WHERE r.probability >= {threshold}""")
    for table in ("previous_hashes", "previous_scores", "previous_links"):
        con.unregister(table)
    figures["records_unchanged"] = con.execute("SELECT count(*) FROM unchanged").fetchall()[0][0]
    figures["pairs_reused"] = con.execute("SELECT count(*) FROM reused").fetchall()[0][0]
    return "pairs_to_score"


#: the strong keys that make a pair scored below the link threshold worth a steward's look
STRONG_KEYS = ("phone_e164", "nib", "nik")


def _possible_matches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Scored pairs between ``APART_THRESHOLD`` and ``LINK_THRESHOLD`` that share a strong
    key: the model kept them apart although a phone, NIB or NIK says otherwise."""
    shared = " || ".join(f"CASE WHEN l.{k} = r.{k} THEN '{k} ' ELSE '' END" for k in STRONG_KEYS)
    return con.execute(f"""
        SELECT s.unique_id_l AS "left", s.unique_id_r AS "right",
               s.match_probability AS probability, trim({shared}) AS shared
        FROM scored_probabilities s
        JOIN match_input l ON l.unique_id = s.unique_id_l
        JOIN match_input r ON r.unique_id = s.unique_id_r
        WHERE s.match_probability >= {APART_THRESHOLD} AND s.match_probability < {LINK_THRESHOLD}
          AND ({" OR ".join(f"l.{k} = r.{k}" for k in STRONG_KEYS)})
        ORDER BY 1, 2""").df()


def _apart_within_components(
    con: duckdb.DuckDBPyConnection, n: int, links: pd.DataFrame, threshold: float
) -> pd.DataFrame:
    """The scored pairs below ``APART_THRESHOLD`` whose two records the links at or above
    ``threshold`` put into one component: the only ones clustering can use (it only takes
    links away)."""
    strong = links[links["probability"] >= threshold]
    _, components = connected_components(
        _adjacency(n, strong["left"].to_numpy(), strong["right"].to_numpy()), directed=False
    )
    pairs = con.execute(
        "SELECT unique_id_l, unique_id_r FROM scored_probabilities "
        "WHERE match_probability < ? ORDER BY 1, 2",
        [APART_THRESHOLD],
    ).fetchnumpy()
    left, right = pairs["unique_id_l"].astype(np.int64), pairs["unique_id_r"].astype(np.int64)
    inside = components[left] == components[right]
    return pd.DataFrame({"left": left[inside], "right": right[inside]})


def _two_businesses(scored: pd.DataFrame) -> pd.Series:
    """Scored pairs whose names have nothing in common (the name comparison's lowest level)
    and whose owners are other people (at most a family name shared) or who sit in other
    kecamatans: two businesses, whatever else they share (a family phone, one owner)."""
    unlike_names = scored["gamma_business_name"] == 0
    other_people = scored["gamma_owner_name"].isin([0, 1])
    other_places = scored["gamma_location"].isin([0, 1])
    return unlike_names & (other_people | other_places)


def continuity_links(
    records: pd.DataFrame, previous_ids: pd.DataFrame | None, keys: np.ndarray | None = None
) -> pd.DataFrame:
    """Links (left, right, probability) chaining tonight's records that shared an ``umkm_id``
    in the previous run, each to the next of the same id in the order of their stable
    ``keys`` (by default their positions): so the same records give the same links whatever
    order they come in, and a component that did not change keeps its clusters
    (``umkm.resolution.cluster_memo``)."""
    if previous_ids is None or not len(previous_ids):
        return pd.DataFrame(
            {
                "left": np.zeros(0, np.int64),
                "right": np.zeros(0, np.int64),
                "probability": np.zeros(0),
            }
        )
    tonight = pd.DataFrame(
        {
            "source": records["source"].to_numpy(),
            "source_record_id": records["source_record_id"].to_numpy(),
            "position": np.arange(len(records)),
            "key": np.arange(len(records)) if keys is None else keys,
        }
    )
    known = tonight.merge(
        previous_ids[["source", "source_record_id", "umkm_id"]], on=["source", "source_record_id"]
    ).sort_values(["umkm_id", "key"])
    same = known["umkm_id"].eq(known["umkm_id"].shift()).to_numpy()
    position = known["position"].to_numpy()
    return pd.DataFrame(
        {
            "left": position[:-1][same[1:]],
            "right": position[1:][same[1:]],
            "probability": CONTINUITY_PROBABILITY,
        }
    )


def _confidence(inside: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Per record, its best link inside its business and the rule of that link; a record of a
    bigger business without such a link tonight is there from the previous run."""
    n = len(labels)
    ends = pd.concat(
        [
            inside[["left", "probability"]].rename(columns={"left": "pos"}),
            inside[["right", "probability"]].rename(columns={"right": "pos"}),
        ]
    )
    best = ends.groupby("pos")["probability"].max().reindex(range(n))
    alone = np.bincount(labels)[labels] == 1
    rule = np.where(best >= 1.0, "deterministic", "probabilistic")
    rule = np.where(best.isna(), np.where(alone, SINGLETON, "previous run"), rule)
    return pd.DataFrame({"match_probability": best.to_numpy(), "match_rule": rule})


def _explained_links(
    scored: pd.DataFrame, nib_links: pd.DataFrame, records: pd.DataFrame, inside: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every stored link with both records (source, source_record_id), probability, weight,
    the comparison levels (``gamma_*``) and weights (``mw_*``) that produced it, and whether
    its two records ended up in one business (``joined``: the links in ``inside``); and the
    positions of its two records (left, right)."""
    explain = [c for c in scored.columns if c.startswith(("gamma_", "mw_"))]
    # a level fits a byte and a partial weight a float32: millions of links at Banten scale
    scored = scored.astype({c: "int8" if c.startswith("gamma_") else "float32" for c in explain})
    links = pd.concat(
        [
            scored[["left", "right", "probability", "match_weight", *explain]].assign(
                rule="probabilistic"
            ),
            nib_links.assign(rule="same NIB"),
        ],
        ignore_index=True,
    )
    joined = inside[["left", "right"]].drop_duplicates().assign(joined=True)
    links = links.merge(joined, on=["left", "right"], how="left")
    links["joined"] = links["joined"].fillna(False).astype(bool)
    sources, keys = records["source"].to_numpy(), records["source_record_id"].to_numpy()
    left, right = links["left"].to_numpy(), links["right"].to_numpy()
    ends = pd.DataFrame(
        {
            "left_source": sources[left],
            "left_source_record_id": keys[left],
            "right_source": sources[right],
            "right_source_record_id": keys[right],
        }
    )
    positions = links[["left", "right"]].astype("int64")
    return pd.concat([ends, links.drop(columns=["left", "right"])], axis=1), positions
