"""Scoring candidate pairs with a trained Splink model, in DuckDB, in bounded memory.

Splink's own ``predict`` blocks for itself and materialises every compared pair with every
column it compares. Here the pairs come from ``umkm.resolution.blocking`` and the SQL is Splink's own:
the comparison levels (``gamma_*``), their match weights (``mw_*``, with the term-frequency
adjustments) and the probability are the expressions Splink generates from the model
(``Settings`` built from the stored model JSON), so a pair scores exactly as Splink's predict
would score it (``tests/test_scoring.py`` compares them). The pairs are scored in chunks,
and each chunk keeps only what the night needs:

- ``scored_links``: pairs at or above ``link_threshold``, with their comparison levels and
  weights (the explanation published in ``quality.match_link``);
- ``scored_probabilities``: every scored pair's probability (the cache an incremental night
  reuses; ``umkm.resolution.resolve``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import duckdb
from splink import SettingsCreator
from splink.internals.dialects import SplinkDialect
from splink.internals.predict import _combine_prior_and_mws

from umkm.resolution.match_input import TF_COLUMNS

#: pairs scored per chunk: bounds the memory of the widest intermediate (every compared column
#: of both records, the levels and the weights of each pair)
CHUNK_PAIRS = 2_000_000


@dataclass(frozen=True)
class ScoringSql:
    """The pieces of SQL that score pairs with one model."""

    compared_columns: list[str]  # 'l."col" AS "col_l"', ... (with the tf_ columns)
    gammas: list[str]  # CASE ... END as gamma_<comparison>
    weights: list[str]  # CASE ... END AS mw_<comparison>, mw_tf_adj_<comparison>
    gamma_names: list[str]
    weight_names: list[str]
    match_weight: str
    match_probability: str


def scoring_sql(model_json: str) -> ScoringSql:
    """Splink's expressions for a model: levels, weights, match weight and probability."""
    settings = SettingsCreator.from_path_or_dict(json.loads(model_json)).get_settings("duckdb")
    gammas, weights, weight_names = [], [], []
    for comparison in settings.comparisons:
        gammas.append(comparison._case_statement)
        gamma = comparison._gamma_column_name
        levels = comparison.comparison_levels
        weights.append(
            "CASE\n"
            + "\n".join(level._match_weight_sql(gamma) for level in levels)
            + f"\nEND AS {comparison._mw_column_name}"
        )
        if comparison._has_tf_adjustments:
            weights.append(
                "CASE\n"
                + "\n".join(level._tf_adjustment_sql(gamma, levels) for level in levels)
                + f"\nEND AS {comparison._mw_tf_adj_column_name}"
            )
        weight_names += comparison._match_weight_columns_to_sum
    match_weight, match_probability = _combine_prior_and_mws(
        settings._probability_two_random_records_match,
        weight_names,
        SplinkDialect.from_string("duckdb"),
    )
    return ScoringSql(
        compared_columns=list(settings._columns_to_select_for_blocking),
        gammas=gammas,
        weights=weights,
        gamma_names=[c._gamma_column_name for c in settings.comparisons],
        weight_names=weight_names,
        match_weight=match_weight,
        match_probability=match_probability,
    )


def _sides_sql() -> str:
    """``match_input`` with the term frequency of each of its values (Splink's tf_ columns)."""
    joins = "\n".join(f"LEFT JOIN tf_lookup_{c} USING ({c})" for c in TF_COLUMNS)
    columns = ", ".join(f"tf_lookup_{c}.tf_{c}" for c in TF_COLUMNS)
    return f"SELECT match_input.*, {columns} FROM match_input {joins}"


@dataclass
class ScoredPairs:
    """What scoring wrote, and what it took."""

    pairs: int
    links: int
    seconds: float


def score_pairs(
    con: duckdb.DuckDBPyConnection,
    model_json: str,
    pairs_table: str,
    link_threshold: float,
    chunk_pairs: int = CHUNK_PAIRS,
) -> ScoredPairs:
    """Score the pairs of ``pairs_table`` (``unique_id_l``, ``unique_id_r``) with the model;
    append to ``scored_links`` (pairs >= ``link_threshold``, explained) and
    ``scored_probabilities`` (every pair), creating them when missing."""
    started = time.perf_counter()
    sql = scoring_sql(model_json)
    con.execute(f"CREATE OR REPLACE TEMP TABLE scoring_sides AS {_sides_sql()}")
    explained = ", ".join([*sql.gamma_names, *sql.weight_names])
    total = con.execute(f"SELECT count(*) FROM {pairs_table}").fetchall()[0][0]
    chunks = max(1, -(-total // chunk_pairs))
    for chunk in range(chunks):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE scored_chunk AS
            WITH pairs AS (
                SELECT unique_id_l, unique_id_r FROM {pairs_table}
                WHERE {chunks} = 1 OR hash(unique_id_l, unique_id_r) % {chunks} = {chunk}),
            compared AS (
                SELECT {", ".join(sql.compared_columns)}
                FROM pairs p JOIN scoring_sides l ON l.unique_id = p.unique_id_l
                JOIN scoring_sides r ON r.unique_id = p.unique_id_r),
            levels AS (SELECT unique_id_l, unique_id_r, {", ".join(sql.gammas)},
                              {", ".join(c for c in _tf_columns(sql))} FROM compared),
            weighted AS (SELECT *, {", ".join(sql.weights)} FROM levels)
            SELECT unique_id_l, unique_id_r, {sql.match_weight} AS match_weight,
                   {sql.match_probability} AS match_probability, {explained}
            FROM weighted""")
        if chunk == 0:
            con.execute(
                "CREATE TABLE IF NOT EXISTS scored_links AS SELECT * FROM scored_chunk LIMIT 0"
            )
            con.execute(
                "CREATE TABLE IF NOT EXISTS scored_probabilities AS SELECT "
                "unique_id_l, unique_id_r, match_probability FROM scored_chunk LIMIT 0"
            )
        con.execute(
            "INSERT INTO scored_links BY NAME SELECT * FROM scored_chunk "
            "WHERE match_probability >= ?",
            [link_threshold],
        )
        con.execute(
            "INSERT INTO scored_probabilities BY NAME SELECT unique_id_l, unique_id_r, "
            "match_probability FROM scored_chunk"
        )
    con.execute("DROP TABLE IF EXISTS scored_chunk")
    con.execute("DROP TABLE scoring_sides")
    links = con.execute("SELECT count(*) FROM scored_links").fetchall()[0][0]
    return ScoredPairs(pairs=total, links=links, seconds=time.perf_counter() - started)


def _tf_columns(sql: ScoringSql) -> list[str]:
    """The tf_ columns of both sides, which the weights' term-frequency adjustments read."""
    return [
        c.split(" AS ")[-1].strip() for c in sql.compared_columns if '"tf_' in c.split(" AS ")[-1]
    ]
