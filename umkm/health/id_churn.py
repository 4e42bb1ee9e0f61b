"""Id churn between two runs: how many of last night's ``umkm_id`` did not survive as they were.

Persistent ids are the register's promise to BI users (``umkm.resolution.identity``). Tonight's id
events say what happened to last night's ids: kept (no event), ``merged`` into another id,
``retired`` (no record left), or partly ``split`` off into a new id; ``minted`` ids are new
businesses; ``revived`` ids come back from an earlier night. Churn is (merged + retired +
split) / ids of last night. A churn above
``MAX_ID_CHURN`` is a warning for an operator: a model change or a broken source moved many
businesses; it does not stop publishing (the id history records every change).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: share of last night's ids that may be merged, retired or split before the check warns
MAX_ID_CHURN = 0.05
EVENTS = ("minted", "split", "merged", "retired", "revived")


@dataclass(frozen=True)
class IdChurn:
    """Id events of one run against the ids of the previous run."""

    businesses: int
    previous_ids: int
    kept: int
    events: dict[str, int]
    churn: float
    max_churn: float

    @property
    def first_run(self) -> bool:
        return self.previous_ids == 0

    @property
    def passed(self) -> bool:
        return self.churn <= self.max_churn

    @property
    def message(self) -> str:
        if self.first_run:
            return f"first run: {self.events['minted']} ids minted"
        verdict = "within" if self.passed else "above"
        return (
            f"{self.churn:.2%} of {self.previous_ids} previous ids merged, retired or split "
            f"({verdict} the {self.max_churn:.0%} allowed); {self.events['minted']} new"
        )


def id_churn(
    record_ids: pd.Series, events: pd.DataFrame, max_churn: float = MAX_ID_CHURN
) -> IdChurn:
    """Churn of one run from tonight's id per record and tonight's id events."""
    counts = events["event"].value_counts()
    per_event = {e: int(counts.get(e, 0)) for e in EVENTS}
    current = set(record_ids.dropna().astype(str))
    born_tonight = set(events.loc[events["event"].isin(["minted", "split", "revived"]), "umkm_id"])
    kept = len(current - born_tonight)
    previous = kept + per_event["merged"] + per_event["retired"]
    changed = per_event["merged"] + per_event["retired"] + per_event["split"]
    churn = changed / previous if previous else 0.0
    return IdChurn(len(current), previous, kept, per_event, round(churn, 4), max_churn)
