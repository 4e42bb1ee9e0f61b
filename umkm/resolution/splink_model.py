"""The probabilistic match model (Splink 5, DuckDB backend) for Indonesian business records:
its comparisons, its training, and how a trained model is stored.

Comparisons fit the data: business names compared on the normalised name (legal forms, shop
words and decoration already removed), on the sorted token set (word order), on token
overlap and Jaro-Winkler (typos), and against the shop's URL slug, with term-frequency
adjustment so that generic names (``berkah``, ``barokah``) weigh little; owner names after
honorifics and degrees are gone, with an initial-and-surname level; phone, e-mail, NIB, NPWP
and NIK exact with term-frequency adjustment (a family phone shared by several businesses
weighs less); kabupaten/kota, kecamatan and postal code together as one location comparison.
The features compared are made in ``umkm.resolution.match_input``; the candidate pairs in
``umkm.resolution.blocking``; the pairs are scored in ``umkm.resolution.scoring``.

Training: the probability that two records match from deterministic rules on the strong
keys (NIB; phone with the same name), u by random sampling, m by expectation maximisation in
two sessions blocked on phone and on name within a kecamatan. The trained model is a JSON
document (Splink's own format) with a structure fingerprint (comparisons and blocking rules:
a change forces retraining) and the value frequencies it was trained with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.exceptions import SplinkDeprecated

from umkm.resolution import blocking
from umkm.resolution.match_input import FREQUENCY_COLUMNS, TF_COLUMNS

log = logging.getLogger(__name__)

def _overlap(column: str) -> str:
    return (f"len(list_intersect({column}_l, {column}_r)) / "
            f"greatest(len(list_distinct(list_concat({column}_l, {column}_r))), 1)")


_SHARE_RARE_WORD = "len(list_intersect(name_rare_tokens_l, name_rare_tokens_r)) > 0"
_NAME_JW = "jaro_winkler_similarity(business_name_norm_l, business_name_norm_r)"
#: the two names written without spaces, and each shop slug, as the other's name or slug
_SAME_SLUG = ("slug_core_l = slug_core_r OR slug_core_l = name_compact_r "
              "OR name_compact_l = slug_core_r")


def _few_typos(left: str, right: str) -> str:
    """One edit apart in a name of 6 letters or more, two in a name of 12 or more."""
    distance = f"damerau_levenshtein({left}, {right})"
    shorter = f"least(len({left}), len({right}))"
    return (f"(abs(len({left}) - len({right})) <= 2 AND "
            f"({distance} <= 1 AND {shorter} >= 6 OR {distance} <= 2 AND {shorter} >= 12))")


def _business_name() -> cl.CustomComparison:
    typos = " OR ".join(_few_typos(a, b) for a, b in (
        ("name_compact_l", "name_compact_r"), ("slug_core_l", "name_compact_r"),
        ("name_compact_l", "slug_core_r"), ("slug_core_l", "slug_core_r")))
    return cl.CustomComparison(
        output_column_name="business_name",
        comparison_levels=[
            cll.NullLevel("business_name_norm"),
            cll.ExactMatchLevel("name_sorted").configure(
                tf_adjustment_column="name_sorted", label_for_charts="same words"),
            cll.CustomLevel(_SAME_SLUG).configure(
                tf_adjustment_column="name_sorted",
                label_for_charts="name or slug equals the other's slug"),
            cll.CustomLevel(typos).configure(
                tf_adjustment_column="name_sorted",
                label_for_charts="the same name but for a typo or two"),
            cll.CustomLevel(f"{_SHARE_RARE_WORD} AND {_overlap('name_tokens')} >= 0.5",
                            label_for_charts="a distinctive word and half the words shared"),
            cll.CustomLevel(f"{_SHARE_RARE_WORD} OR {_overlap('name_tokens')} >= 0.5",
                            label_for_charts="some words shared"),
            cll.CustomLevel(f"{_overlap('name_tokens')} > 0 OR {_NAME_JW} >= 0.8",
                            label_for_charts="some likeness"),
            cll.ElseLevel(),
        ],
    )


def _address() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address_key"),
            cll.ExactMatchLevel("address_key", term_frequency_adjustments=True),
            cll.CustomLevel("jaro_winkler_similarity(address_key_l, address_key_r) >= 0.92",
                            label_for_charts="the same street and number but for a typo"),
            cll.ElseLevel(),
        ],
    )


def _owner_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="owner_name",
        comparison_levels=[
            cll.NullLevel("owner_name_norm"),
            cll.ExactMatchLevel("owner_name_norm", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("owner_name_norm", 0.92),
            cll.CustomLevel(
                "owner_first_l = owner_first_r "
                "OR (len(owner_first_l) = 1 AND left(owner_first_r, 1) = owner_first_l "
                "AND owner_last_l = owner_last_r) "
                "OR (len(owner_first_r) = 1 AND left(owner_first_l, 1) = owner_first_r "
                "AND owner_last_l = owner_last_r)",
                label_for_charts="the same first name, or initial and surname"),
            cll.CustomLevel("owner_last_l = owner_last_r",
                            label_for_charts="the same last name only (a family)"),
            cll.ElseLevel(),
        ],
    )


def _location() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="location",
        comparison_levels=[
            cll.NullLevel("kab_code"),
            cll.ExactMatchLevel("kecamatan_code"),
            cll.CustomLevel("kab_code_l = kab_code_r AND "
                            "(kecamatan_code_l IS NULL OR kecamatan_code_r IS NULL)",
                            label_for_charts="same kabupaten/kota, a kecamatan unknown"),
            cll.ExactMatchLevel("kab_code").configure(
                label_for_charts="same kabupaten/kota, other kecamatan"),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str) -> cl.ExactMatch:
    return cl.ExactMatch(column).configure(term_frequency_adjustments=True)


#: EM stops after this many iterations, or sooner once no parameter moves by more than
#: ``EM_CONVERGENCE`` from one iteration to the next
EM_MAX_ITERATIONS = 25
EM_CONVERGENCE = 0.0005
#: the share of the true pairs that the prior's deterministic rules (a shared NIB; the same
#: phone and the same sorted name) are taken to find: a third of businesses hold a NIB, and
#: many marketplace rows have no phone
PRIOR_RULES_RECALL = 0.5
#: random record pairs sampled to estimate the u probabilities, and the sample's seed
U_SAMPLE_PAIRS = 2e6
U_SAMPLE_SEED = 1
#: the EM passes, by the columns each blocks on (each trains the m of the other comparisons)
EM_BLOCKING_COLUMNS = (("phone_e164",), ("kecamatan_code", "name_sorted"))


@contextmanager
def _library_warnings_silenced() -> Iterator[None]:
    """Silence the deprecation notices of Splink and of Altair (its charts) while they train
    or chart: they are about those libraries' own code, not about the data. Every other
    warning is shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SplinkDeprecated)
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category,
                                    module=r"(splink|altair|narwhals)(\.|$)")
        yield


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _business_name(), _owner_name(), _exact("phone_e164"), _exact("email"), _exact("nib"),
            _exact("npwp"), _exact("nik"), _location(), _address(),
        ],
        blocking_rules_to_generate_predictions=[],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=EM_MAX_ITERATIONS,
        em_convergence=EM_CONVERGENCE,
    )


def structure_fingerprint() -> str:
    """A hash of the comparisons and the blocking rules (not the trained parameters): a model
    trained under other ones is not reused, and neither are last night's scores."""
    spec = {"comparisons": settings().create_settings_dict("duckdb"),
            "blocking": [repr(rule) for rule in blocking.RULES]}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


#: no single comparison level may be rarer than this among matches: caps the weight of one
#: disagreement (a second e-mail, another NPWP) at about -6.6 bits instead of EM's -70
M_FLOOR = 0.01
#: u for a level that random sampling never saw (agreement on NIK or NPWP is that rare)
U_UNSEEN = 1e-6


#: trained parameters are kept to this many significant digits: DuckDB's parallel sums differ
#: in the last bits from run to run, and the same inputs must give the same businesses
SIGNIFICANT_DIGITS = 6


def regularise(model: dict) -> dict:
    """Floor m probabilities at ``M_FLOOR`` (renormalised per comparison), give levels
    that random sampling never met a small u, so that no level has an extreme weight, and
    round every parameter to ``SIGNIFICANT_DIGITS``."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        floored = [max(lv.get("m_probability") or M_FLOOR, M_FLOOR) for lv in levels]
        total = sum(floored)
        for level, m in zip(levels, floored):
            level["m_probability"] = _significant(m / total)
            level["u_probability"] = _significant(level.get("u_probability") or U_UNSEEN)
    model["probability_two_random_records_match"] = _significant(
        model["probability_two_random_records_match"])
    model.pop("linker_uid", None)  # random per linker: it would make every version new
    return model


def _significant(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


@dataclass
class TrainedModel:
    """A Splink model as JSON, with its version, the figures of its training and the value
    frequencies it was trained with (``umkm.resolution.match_input``; None when not stored)."""

    model_json: str
    version: str
    structure: str
    trained_on_records: int
    training_seconds: float
    frequencies: pd.DataFrame | None = None


MODEL_COLUMNS = ["model_version", "structure", "trained_at", "trained_on_records",
                 "training_seconds", "model_json"]


def model_to_row(model: TrainedModel, trained_at) -> pd.DataFrame:
    """The model as one row of ``quality.match_model``."""
    return pd.DataFrame([{
        "model_version": model.version, "structure": model.structure, "trained_at": trained_at,
        "trained_on_records": model.trained_on_records,
        "training_seconds": round(model.training_seconds, 1), "model_json": model.model_json,
    }], columns=MODEL_COLUMNS)


#: the value frequencies of the newest model, stored on training nights (personal values among
#: them: phones, NIKs, e-mails, owner names)
FREQUENCY_TABLE = "restricted.match_frequency"


def frequencies_to_rows(model: TrainedModel) -> pd.DataFrame:
    """The model's value frequencies as the rows of ``FREQUENCY_TABLE``."""
    return model.frequencies.assign(model_version=model.version)[
        ["model_version", *FREQUENCY_COLUMNS]]


def latest_model(stored: pd.DataFrame | None,
                 frequencies: pd.DataFrame | None = None) -> TrainedModel | None:
    """The newest model of ``quality.match_model`` with its frequencies from
    ``FREQUENCY_TABLE`` (None when they are not stored for it), or None."""
    if stored is None or stored.empty:
        return None
    row = stored.sort_values("trained_at").iloc[-1]
    own = None
    if frequencies is not None and len(frequencies):
        own = frequencies[frequencies["model_version"] == row["model_version"]]
        own = own[FREQUENCY_COLUMNS].reset_index(drop=True) if len(own) else None
    return TrainedModel(model_json=row["model_json"], version=row["model_version"],
                        structure=row["structure"],
                        trained_on_records=int(row["trained_on_records"]),
                        training_seconds=float(row["training_seconds"]), frequencies=own)


def save_charts(model: TrainedModel, con: duckdb.DuckDBPyConnection, folder) -> list[str]:
    """Splink's match-weights and m/u charts of ``model`` as self-contained HTML files."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    linker = _linker(con, json.loads(model.model_json))
    written = []
    with _library_warnings_silenced():
        for name, chart in (("match_weights", linker.visualisations.match_weights_chart()),
                            ("m_u_parameters", linker.visualisations.m_u_parameters_chart())):
            path = folder / f"{name}_{model.version}.html"
            chart.save(str(path), inline=True)
            written.append(str(path))
    return written


def _linker(con: duckdb.DuckDBPyConnection, model) -> Linker:
    db_api = DuckDBAPI(connection=con)
    table = db_api.register("match_input")
    linker = Linker(table, model, log_level=logging.WARNING)
    for column in TF_COLUMNS:
        lookup = db_api.register(f"tf_lookup_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
    return linker


def train(con: duckdb.DuckDBPyConnection, n_records: int, frequencies: pd.DataFrame,
          seed: int = U_SAMPLE_SEED) -> TrainedModel:
    """Train the model on ``match_input`` (made with ``frequencies``, which the model keeps):
    lambda, u, m from NIB labels and EM."""
    started = time.perf_counter()
    linker = _linker(con, settings())
    with _library_warnings_silenced():
        linker.training.estimate_probability_two_random_records_match(
            [block_on("nib"), "l.phone_e164 = r.phone_e164 AND l.name_sorted = r.name_sorted"],
            recall=PRIOR_RULES_RECALL,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
        for columns in EM_BLOCKING_COLUMNS:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True)
    model = regularise(linker.misc.save_model_to_json())
    model_json = json.dumps(model, sort_keys=True, default=str)
    return TrainedModel(
        model_json=model_json,
        version=hashlib.sha256(model_json.encode()).hexdigest()[:12],
        structure=structure_fingerprint(),
        trained_on_records=n_records,
        training_seconds=time.perf_counter() - started,
        frequencies=frequencies,
    )
