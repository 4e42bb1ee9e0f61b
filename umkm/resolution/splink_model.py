"""The probabilistic match model (Splink 5, DuckDB backend) for Indonesian business records:
its training, and how a trained model is stored and charted.

The comparisons it is made of are ``umkm.resolution.comparisons``; the features compared are
made in ``umkm.resolution.match_input``; the candidate pairs in ``umkm.resolution.blocking``;
the pairs are scored in ``umkm.resolution.scoring``.

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
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.exceptions import SplinkDeprecated

from umkm.resolution.comparisons import settings, structure_fingerprint
from umkm.resolution.match_input import FREQUENCY_COLUMNS, TF_COLUMNS

log = logging.getLogger(__name__)

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
            warnings.filterwarnings(
                "ignore", category=category, module=r"(splink|altair|narwhals)(\.|$)"
            )
        yield


#: no single comparison level may be rarer than this among matches: caps the weight of one
#: disagreement (a second e-mail, another NPWP) at about -6.6 bits instead of EM's -70
M_FLOOR = 0.01
#: u for a level that random sampling never saw (agreement on NIK or NPWP is that rare)
U_UNSEEN = 1e-6


#: trained parameters are kept to this many significant digits: DuckDB's parallel sums differ
#: in the last bits from run to run, and the same inputs must give the same businesses
SIGNIFICANT_DIGITS = 6


def regularise(model: dict[str, Any]) -> dict[str, Any]:
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
        model["probability_two_random_records_match"]
    )
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


MODEL_COLUMNS = [
    "model_version",
    "structure",
    "trained_at",
    "trained_on_records",
    "training_seconds",
    "model_json",
]


def model_to_row(model: TrainedModel, trained_at: datetime) -> pd.DataFrame:
    """The model as one row of ``quality.match_model``."""
    return pd.DataFrame(
        [
            {
                "model_version": model.version,
                "structure": model.structure,
                "trained_at": trained_at,
                "trained_on_records": model.trained_on_records,
                "training_seconds": round(model.training_seconds, 1),
                "model_json": model.model_json,
            }
        ],
        columns=MODEL_COLUMNS,
    )


#: the value frequencies of the newest model, stored on training nights (personal values among
#: them: phones, NIKs, e-mails, owner names)
FREQUENCY_TABLE = "restricted.match_frequency"


def frequencies_to_rows(model: TrainedModel) -> pd.DataFrame:
    """The model's value frequencies as the rows of ``FREQUENCY_TABLE``."""
    if model.frequencies is None:
        raise ValueError(f"model {model.version} was stored without its frequencies")
    return model.frequencies.assign(model_version=model.version)[
        ["model_version", *FREQUENCY_COLUMNS]
    ]


def latest_model(
    stored: pd.DataFrame | None, frequencies: pd.DataFrame | None = None
) -> TrainedModel | None:
    """The newest model of ``quality.match_model`` with its frequencies from
    ``FREQUENCY_TABLE`` (None when they are not stored for it), or None."""
    if stored is None or stored.empty:
        return None
    row = stored.sort_values("trained_at").iloc[-1]
    own = None
    if frequencies is not None and len(frequencies):
        own = frequencies[frequencies["model_version"] == row["model_version"]]
        own = own[FREQUENCY_COLUMNS].reset_index(drop=True) if len(own) else None
    return TrainedModel(
        model_json=row["model_json"],
        version=row["model_version"],
        structure=row["structure"],
        trained_on_records=int(row["trained_on_records"]),
        training_seconds=float(row["training_seconds"]),
        frequencies=own,
    )


def save_charts(
    model: TrainedModel, con: duckdb.DuckDBPyConnection, folder: str | os.PathLike[str]
) -> list[str]:
    """Splink's match-weights and m/u charts of ``model`` as self-contained HTML files."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    linker = _linker(con, json.loads(model.model_json))
    written = []
    with _library_warnings_silenced():
        for name, chart in (
            ("match_weights", linker.visualisations.match_weights_chart()),
            ("m_u_parameters", linker.visualisations.m_u_parameters_chart()),
        ):
            path = folder / f"{name}_{model.version}.html"
            chart.save(str(path), inline=True)  # type: ignore[no-untyped-call]
            written.append(str(path))
    return written


def _linker(con: duckdb.DuckDBPyConnection, model: dict[str, Any] | SettingsCreator) -> Linker:
    db_api = DuckDBAPI(connection=con)
    table = db_api.register("match_input")
    linker = Linker(table, model, log_level=logging.WARNING)
    for column in TF_COLUMNS:
        lookup = db_api.register(f"tf_lookup_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
    return linker


def train(
    con: duckdb.DuckDBPyConnection,
    n_records: int,
    frequencies: pd.DataFrame,
    seed: int = U_SAMPLE_SEED,
) -> TrainedModel:
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
                block_on(*columns), estimate_without_term_frequencies=True
            )
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
