"""Benchmark: how well any decision on the model's evidence could do, against the truth.

    .venv/bin/python benchmarks/evidence_ceiling.py --warehouse W.duckdb --landing L

``W`` is a DuckDB warehouse published from the demo landing zone ``L`` (for example the
``after_first_night.duckdb`` that ``benchmarks/nightly_run.py --keep DIR`` leaves). The night's
canonical records go through the job's own match input, blocking and scoring with the stored
model, keeping every candidate pair's comparison levels. Two pairs with the same levels (and
the same name term-frequency adjustment, in half-bit steps) carry the same evidence: the
best any classifier of those levels can do is to join a pattern's pairs when most of them are
one business. The benchmark prints, against the truth:

- the blocking ceiling: every candidate pair decided right (the true pairs no rule makes are
  lost);
- the model: the candidate pairs it scores at 0.2 or more and at 0.5 or more;
- the evidence ceiling: per pattern of levels, its pairs joined when at least half of them
  are one business (the Bayes decision on these levels; it knows the truth, so no model of
  these comparisons decides pairs better);
- the pairs whose evidence is ambiguous (a pattern between 20 % and 80 % one business).

Pairwise precision, recall and F1 here are of pair decisions over the candidate pairs, not of
businesses; ``benchmarks/entity_resolution.py --score`` scores the published businesses.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from blocking_recall import night_records, true_pairs  # noqa: E402

from umkm.duckdb_settings import DuckDBSettings  # noqa: E402
from umkm.resolution import blocking, scoring  # noqa: E402
from umkm.resolution.match_input import prepare_input  # noqa: E402

#: a pattern this share one business, or less (or this share, or more), is not ambiguous
AMBIGUOUS = (0.2, 0.8)


def scored_pairs(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The night's canonical records and every candidate pair with its probability, levels
    and name term-frequency weight."""
    records, model = night_records(warehouse)
    if model is None:
        raise SystemExit(f"{warehouse} holds no trained match model")
    with DuckDBSettings.for_this_machine().connection() as con:
        prepare_input(con, records, model.frequencies)
        blocking.candidate_pairs(con)
        scoring.score_pairs(con, model.model_json, "candidate_pairs", link_threshold=0.0)
        names = scoring.scoring_sql(model.model_json).gamma_names
        pairs = con.execute(
            f"SELECT unique_id_l AS l, unique_id_r AS r, match_probability, "
            f"{', '.join(names)}, mw_tf_adj_business_name FROM scored_links"
        ).df()
    return records, pairs


def decided(label: str, join: np.ndarray, truth: np.ndarray, true_total: int) -> str:
    hits = int((join & truth).sum())
    precision = hits / max(int(join.sum()), 1)
    recall = hits / max(true_total, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return f"  {label}: P {precision:.4f} R {recall:.4f} F1 {f1:.4f} ({int(join.sum()):,} joined)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--landing", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    records, pairs = scored_pairs(args.warehouse)
    truth = pd.read_csv(
        args.landing / "_truth" / "ground_truth.csv", dtype=str, keep_default_na=False
    )
    real = true_pairs(records, truth)
    true_total = len(real)
    known = pd.MultiIndex.from_frame(real[["l", "r"]])
    one = pd.MultiIndex.from_arrays([pairs["l"], pairs["r"]]).isin(known)
    levels = [c for c in pairs.columns if c.startswith("gamma_")]
    # a pattern of evidence: the levels and the name's term-frequency weight in half bits
    name_weight = np.floor(pairs["mw_tf_adj_business_name"].fillna(0) * 2).rename("name_weight")
    group = (
        pairs[levels]
        .join(name_weight)
        .groupby(levels + ["name_weight"], dropna=False)
        .ngroup()
        .to_numpy()
    )
    share = (np.bincount(group, weights=one) / np.bincount(group))[group]
    probability = pairs["match_probability"].to_numpy()
    print(
        f"{len(records):,} records, {len(pairs):,} candidate pairs "
        f"({len(pairs) / len(records):.2f} per record), {true_total:,} true pairs, "
        f"{int(one.sum()):,} of them candidates; {group.max() + 1:,} patterns of "
        f"evidence; {time.perf_counter() - started:.0f}s"
    )
    print(decided("blocking ceiling (every candidate pair right)", one, one, true_total))
    print(decided("model, p >= 0.2", probability >= 0.2, one, true_total))
    print(decided("model, p >= 0.5", probability >= 0.5, one, true_total))
    print(
        decided(
            "evidence ceiling (a pattern joined when >= 50% one business)",
            share >= 0.5,
            one,
            true_total,
        )
    )
    low, high = AMBIGUOUS
    ambiguous = (share > low) & (share < high)
    print(
        f"  ambiguous evidence ({low:.0%} to {high:.0%} of a pattern one business): "
        f"{int(ambiguous.sum()):,} pairs, {int((ambiguous & one).sum()):,} of them one business"
    )


if __name__ == "__main__":
    main()
