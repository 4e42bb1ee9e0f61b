"""Accuracy of a clustering against a ground truth: pairwise and B-cubed scores.

Both take one row per record with a predicted and a true cluster label; everything is
computed from the contingency counts of (predicted, true) label pairs, so it is vectorised.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd


@dataclass
class ClusteringScores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    predicted_clusters: int
    true_clusters: int
    cluster_count_error: float  # (predicted - true) / true

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line: pairwise P/R/F1, B-cubed F1, businesses against the truth."""
        return (
            f"pairwise P {self.pairwise_precision:.4f} R {self.pairwise_recall:.4f} "
            f"F1 {self.pairwise_f1:.4f} | B-cubed F1 {self.bcubed_f1:.4f} | businesses "
            f"{self.predicted_clusters} vs true {self.true_clusters} "
            f"({self.cluster_count_error:+.2%})"
        )


def _pairs(sizes: pd.Series) -> float:
    return float((sizes * (sizes - 1) / 2).sum())


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_clustering(predicted: pd.Series, truth: pd.Series) -> ClusteringScores:
    """Scores of ``predicted`` labels against ``truth`` labels (aligned, one per record)."""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})
    cells = frame.groupby(["p", "t"]).size()
    p_sizes = frame.groupby("p").size()
    t_sizes = frame.groupby("t").size()
    true_positive = _pairs(cells)
    precision = true_positive / _pairs(p_sizes) if _pairs(p_sizes) else 1.0
    recall = true_positive / _pairs(t_sizes) if _pairs(t_sizes) else 1.0
    n = len(frame)
    cell_p = cells.index.get_level_values("p").map(p_sizes).to_numpy()
    cell_t = cells.index.get_level_values("t").map(t_sizes).to_numpy()
    b_precision = float((cells.to_numpy() ** 2 / cell_p).sum() / n)
    b_recall = float((cells.to_numpy() ** 2 / cell_t).sum() / n)
    return ClusteringScores(
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        predicted_clusters=len(p_sizes),
        true_clusters=len(t_sizes),
        cluster_count_error=(len(p_sizes) - len(t_sizes)) / len(t_sizes),
    )
