"""Entity resolution: from canonical records to clusters of records that are one business.

Deterministic NIB links and Splink's scored candidate pairs are clustered without chaining
(``umkm.clustering``). The model is reused from the previous run unless retraining is asked
for, no model exists yet, or the comparisons changed since it was trained.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from schemas.catalog import SOURCES_BY_KEY
from umkm import splink_model
from umkm.clustering import cluster_records
from umkm.matching import shared_key_links

#: pairs at or above this probability are stored as links (with their explanation)
LINK_THRESHOLD = 0.2
#: links at or above this probability may join records into one business, and candidate
#: pairs scored below ``APART_THRESHOLD`` are different businesses that no cluster may hold
#: both of; the pair of values with the best pairwise F1 whose business count stays within
#: 1 % of the truth on the accuracy benchmark (benchmarks/entity_resolution.py, seed 5)
CLUSTER_THRESHOLD = 0.2
APART_THRESHOLD = 0.01
#: the previous run's businesses hold together tonight unless tonight's evidence keeps two of
#: their records apart (two NIBs, a registry conflict, a pair scored below
#: ``APART_THRESHOLD``): their records are chained by links of this probability, so they are
#: never weak bridges and come first when conflicting links are merged one by one (the
#: merge is stable), and a business whose records did not change keeps its cluster and id
CONTINUITY_PROBABILITY = 1.0
#: DuckDB spills to disk beyond this, keeping the nightly job's peak memory bounded
DUCKDB_MEMORY_LIMIT = "1500MB"


@dataclass
class Resolution:
    """Records with their cluster, the scored links, the model used and what it took."""

    records: pd.DataFrame
    links: pd.DataFrame
    model: splink_model.TrainedModel
    trained_now: bool
    figures: dict = field(default_factory=dict)
    #: the previous run's published record links (source, source_record_id, umkm_id), if any
    previous_ids: pd.DataFrame | None = None


def needs_training(model: splink_model.TrainedModel | None, retrain: bool) -> str | None:
    """Why the model must be trained, or None when the stored one can be reused."""
    if retrain:
        return "retraining was asked for"
    if model is None:
        return "no trained model is stored yet"
    if model.structure != splink_model.structure_fingerprint():
        return "the comparisons changed since the stored model was trained"
    return None


def resolve_entities(
    records: pd.DataFrame,
    model: splink_model.TrainedModel | None,
    retrain: bool = False,
    cluster_threshold: float = CLUSTER_THRESHOLD,
    charts_dir=None,
    count_candidate_pairs: bool = False,
    previous_ids: pd.DataFrame | None = None,
) -> Resolution:
    """Cluster canonical ``records`` into businesses; returns records with ``cluster``,
    ``match_probability`` (best link inside its cluster, NA alone) and ``match_rule``.
    ``previous_ids`` (source, source_record_id, umkm_id: the previous run's published links)
    keep yesterday's businesses together where tonight's evidence does not part them."""
    records = records.reset_index(drop=True)
    figures: dict = {}
    # DuckDB spills beyond its memory limit into a folder of its own, not the working directory
    spill = tempfile.TemporaryDirectory(prefix="umkm-matching-")
    con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT,
                                 "temp_directory": spill.name})
    try:
        splink_model.prepare_input(con, records)
        reason = needs_training(model, retrain)
        if reason:
            model = splink_model.train(con, len(records))
            figures["training_reason"] = reason
            figures["training_seconds"] = round(model.training_seconds, 1)
        predictions = splink_model.predict(con, model, LINK_THRESHOLD, APART_THRESHOLD)
        if count_candidate_pairs:  # an exact count costs a join per blocking rule
            figures["candidate_pairs"] = splink_model.count_candidate_pairs(con)
        if charts_dir is not None and reason:
            figures["model_charts"] = splink_model.save_charts(model, con, charts_dir)
    finally:
        con.close()
        spill.cleanup()
    figures["prediction_seconds"] = round(predictions.seconds, 1)
    started = time.perf_counter()
    # in record order: DuckDB returns pairs in any order, and ties of probability are merged
    # in the order the links come, so the same inputs must give the links in the same order
    scored = predictions.pairs.rename(columns={"unique_id_l": "left", "unique_id_r": "right",
                                               "match_probability": "probability"}
                                      ).sort_values(["left", "right"], ignore_index=True)
    nib_links = shared_key_links(records, "nib").assign(probability=1.0)
    continuity = continuity_links(records, previous_ids)
    links = pd.concat([continuity, scored[["left", "right", "probability"]], nib_links],
                      ignore_index=True)
    attrs = records[["nib", "kab_code", "kecamatan_code", "source", "business_name_norm",
                     "owner_name_norm", "phone_e164"]].assign(
        is_registry=records["source"].map(
            {k: s.kind == "registry" for k, s in SOURCES_BY_KEY.items()}).fillna(False))
    apart = pd.concat([
        predictions.apart.rename(columns={"unique_id_l": "left", "unique_id_r": "right"}),
        scored.loc[_two_businesses(scored), ["left", "right"]],
    ], ignore_index=True)
    clustering = cluster_records(attrs, links, threshold=cluster_threshold, apart=apart)
    figures["links_scored"] = len(scored)
    figures["continuity_links"] = len(continuity)
    figures["links_dropped"] = clustering.dropped
    figures["clustering_seconds"] = round(time.perf_counter() - started, 1)
    out = records.copy()
    out["cluster"] = clustering.labels
    evidence = pd.concat([scored[["left", "right", "probability"]], nib_links],
                         ignore_index=True)
    inside = evidence[clustering.labels[evidence["left"].to_numpy()]
                      == clustering.labels[evidence["right"].to_numpy()]]
    out = out.join(_confidence(inside, clustering.labels))
    return Resolution(
        records=out,
        links=_explained_links(scored, nib_links, records, inside),
        model=model,
        trained_now=reason is not None,
        figures=figures,
        previous_ids=previous_ids,
    )


def _two_businesses(scored: pd.DataFrame) -> pd.Series:
    """Scored pairs whose names have nothing in common (the name comparison's lowest level)
    and whose owners are other people (at most a family name shared) or who sit in other
    kecamatans: two businesses, whatever else they share (a family phone, one owner)."""
    unlike_names = scored["gamma_business_name"] == 0
    other_people = scored["gamma_owner_name"].isin([0, 1])
    other_places = scored["gamma_location"].isin([0, 1])
    return unlike_names & (other_people | other_places)


def continuity_links(records: pd.DataFrame, previous_ids: pd.DataFrame | None) -> pd.DataFrame:
    """Links (left, right, probability) chaining tonight's records that shared an ``umkm_id``
    in the previous run, each to the next of the same id."""
    if previous_ids is None or not len(previous_ids):
        return pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64),
                             "probability": np.zeros(0)})
    tonight = pd.DataFrame({"source": records["source"].to_numpy(),
                            "source_record_id": records["source_record_id"].to_numpy(),
                            "position": np.arange(len(records))})
    known = tonight.merge(previous_ids[["source", "source_record_id", "umkm_id"]],
                          on=["source", "source_record_id"]).sort_values(["umkm_id", "position"])
    same = known["umkm_id"].eq(known["umkm_id"].shift()).to_numpy()
    position = known["position"].to_numpy()
    return pd.DataFrame({"left": position[:-1][same[1:]], "right": position[1:][same[1:]],
                         "probability": CONTINUITY_PROBABILITY})


def _confidence(inside: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Per record, its best link inside its business and the rule of that link; a record of a
    bigger business without such a link tonight is there from the previous run."""
    n = len(labels)
    ends = pd.concat([inside[["left", "probability"]].rename(columns={"left": "pos"}),
                      inside[["right", "probability"]].rename(columns={"right": "pos"})])
    best = ends.groupby("pos")["probability"].max().reindex(range(n))
    alone = np.bincount(labels)[labels] == 1
    rule = np.where(best >= 1.0, "deterministic", "probabilistic")
    rule = np.where(best.isna(), np.where(alone, "singleton", "previous run"), rule)
    return pd.DataFrame({"match_probability": best.to_numpy(), "match_rule": rule})


def _explained_links(scored: pd.DataFrame, nib_links: pd.DataFrame, records: pd.DataFrame,
                     inside: pd.DataFrame) -> pd.DataFrame:
    """Every stored link with both record references, probability, weight, the comparison
    levels (``gamma_*``) and weights (``mw_*``) that produced it, and whether its two records
    ended up in one business (``joined``: the links in ``inside``)."""
    explain = [c for c in scored.columns if c.startswith(("gamma_", "mw_"))]
    links = pd.concat([
        scored[["left", "right", "probability", "match_weight", *explain]].assign(
            rule="probabilistic"),
        nib_links.assign(rule="same NIB"),
    ], ignore_index=True)
    joined = inside[["left", "right"]].drop_duplicates().assign(joined=True)
    links = links.merge(joined, on=["left", "right"], how="left")
    links["joined"] = links["joined"].fillna(False).astype(bool)
    refs = records["source"].astype(str) + ":" + records["source_record_id"].astype(str)
    links.insert(0, "left_record", refs.to_numpy()[links["left"].to_numpy()])
    links.insert(1, "right_record", refs.to_numpy()[links["right"].to_numpy()])
    return links.drop(columns=["left", "right"])

