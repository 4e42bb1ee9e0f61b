"""Data stewards' decisions on the register, and what they mean for tonight's clustering.

A steward (at the Dinas Koperasi, or the data engineer on call) records a decision about
source records, named by ``(source, source_record_id)``:

- ``same_business``: the two records are one business (a must-link);
- ``different_businesses``: the two records are two businesses (a cannot-link);
- ``detach``: the record is a business of its own.

Decisions carry who, when, why, and the ``review_id`` of the queue item they answer
(``umkm.resolution.review_queue``). They live in a steward-owned table, ``steward.match_decision``: on
PostgreSQL a schema of its own, on DuckDB a database file of its own next to the warehouse
(``<warehouse>.steward.duckdb``), written by ``python -m umkm.cli.review`` and only read by the
nightly job. Every night, before clustering, ``constraints_for`` turns them into positions
of tonight's records: must-links are certain links that no rule may cut, cannot-links and
detachments are pairs no cluster may hold. They override the model and the rules, and they
survive retraining and incremental nights because they name records, not clusters or ids.

A decision whose records are not among tonight's records is reported as ``vanished``, never
dropped in silence. Decisions that contradict one another (A=B, B=C, A≠C; a detached record
with a must-link) are reported by id as a contradiction: the nightly job's blocking check
then fails and nothing is published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy.sparse.csgraph import connected_components
from sqlalchemy.engine import make_url

from umkm.record_keys import record_refs

SAME, DIFFERENT, DETACH = "same_business", "different_businesses", "detach"
DECISIONS = (SAME, DIFFERENT, DETACH)
DECISION_TABLE = "steward.match_decision"
DECISION_COLUMNS = [
    "decision_id",
    "decision",
    "left_source",
    "left_source_record_id",
    "right_source",
    "right_source_record_id",
    "decided_by",
    "decided_at",
    "reason",
    "review_id",
]
STATUS_COLUMNS = ["decision_id", "decision", "status", "message"]


@dataclass
class Constraints:
    """Tonight's decisions as record positions, and what became of each decision."""

    must_link: pd.DataFrame  # left, right
    cannot_link: pd.DataFrame  # left, right
    detached: np.ndarray  # positions of records that are businesses of their own
    status: pd.DataFrame  # STATUS_COLUMNS: applied, vanished, contradicted
    contradictions: list[str] = field(default_factory=list)
    #: position of each record an applied decision names, and the decision's id
    decided: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"position": np.zeros(0, np.int64), "decision_id": np.zeros(0, np.int64)}
        )
    )


def decision_causes(
    events: pd.DataFrame, record_ids: pd.Series, decided: pd.DataFrame
) -> pd.Series:
    """The cause of each id event: ``steward decision N, M`` when a record that decisions
    name belongs to the business the event made (the survivor of a merge, the new id of a
    split), else empty."""
    if decided.empty or events.empty:
        return pd.Series("", index=events.index, dtype="str")
    by_id = (
        pd.DataFrame(
            {
                "umkm_id": record_ids.to_numpy()[decided["position"].to_numpy()],
                "decision_id": decided["decision_id"].to_numpy(),
            }
        )
        .drop_duplicates()
        .sort_values("decision_id")
        .groupby("umkm_id")["decision_id"]
        .agg(lambda ids: "steward decision " + ", ".join(str(int(i)) for i in ids))
    )
    business = events["related_umkm_id"].where(events["event"] == "merged", events["umkm_id"])
    return business.map(by_id).fillna("").astype("str")


def no_constraints() -> Constraints:
    pairs = pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    return Constraints(
        pairs, pairs.copy(), np.zeros(0, np.int64), pd.DataFrame(columns=STATUS_COLUMNS)
    )


def constraints_for(records: pd.DataFrame, decisions: pd.DataFrame | None) -> Constraints:
    """Tonight's positions (row order of ``records``) of the records the decisions name."""
    if decisions is None or decisions.empty:
        return no_constraints()
    position = pd.Series(np.arange(len(records)), index=record_refs(records).to_numpy())
    position = position[~position.index.duplicated()]
    left = record_refs(decisions, "left_").map(position)
    right = record_refs(
        decisions.fillna({"right_source": "", "right_source_record_id": ""}), "right_"
    ).map(position)
    is_detach = decisions["decision"] == DETACH
    vanished = left.isna() | (right.isna() & ~is_detach)
    status = pd.DataFrame(
        {
            "decision_id": decisions["decision_id"].to_numpy(),
            "decision": decisions["decision"].to_numpy(),
            "status": np.where(vanished, "vanished", "applied"),
            "message": np.where(
                vanished,
                "a record it names is not among tonight's records "
                "(gone from its source, or quarantined)",
                "",
            ),
        }
    )
    live = ~vanished.to_numpy()
    frame = pd.DataFrame(
        {
            "decision_id": decisions["decision_id"].to_numpy(),
            "decision": decisions["decision"].to_numpy(),
            "left": left.to_numpy(),
            "right": right.to_numpy(),
        }
    )[live]
    must = frame[frame["decision"] == SAME]
    cannot = frame[frame["decision"] == DIFFERENT]
    detach = frame[frame["decision"] == DETACH]
    contradictions = _contradictions(len(records), must, cannot, detach)
    contradicted = {int(d) for text in contradictions for d in re.findall(r"decision (\d+)", text)}
    status.loc[status["decision_id"].isin(contradicted), ["status", "message"]] = [
        "contradicted",
        "contradicts another decision (see the steward_decisions check)",
    ]
    applied = frame[~frame["decision_id"].isin(contradicted)]
    decided = pd.concat(
        [
            applied[["left", "decision_id"]].rename(columns={"left": "position"}),
            applied.dropna(subset=["right"])[["right", "decision_id"]].rename(
                columns={"right": "position"}
            ),
        ],
        ignore_index=True,
    ).astype(np.int64)
    return Constraints(
        must_link=must[["left", "right"]].astype(np.int64).reset_index(drop=True),
        cannot_link=cannot[["left", "right"]].astype(np.int64).reset_index(drop=True),
        detached=detach["left"].to_numpy(dtype=np.int64),
        status=status,
        contradictions=contradictions,
        decided=decided,
    )


def _contradictions(
    n: int, must: pd.DataFrame, cannot: pd.DataFrame, detach: pd.DataFrame
) -> list[str]:
    """Decisions that cannot all hold: a cannot-link or a detachment inside a group that
    must-links join."""
    if must.empty:
        return []
    from scipy.sparse import coo_matrix

    left, right = must["left"].to_numpy(dtype=np.int64), must["right"].to_numpy(dtype=np.int64)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, group = connected_components(graph, directed=False)
    found = []
    for row in cannot.itertuples():
        a, b = int(row.left), int(row.right)
        if group[a] == group[b]:
            joining = must[(group[must["left"].to_numpy(dtype=np.int64)] == group[a])]
            found.append(
                f"decision {row.decision_id} (different businesses) contradicts "
                f"same-business decisions {_ids(joining)}"
            )
    for row in detach.itertuples():
        a = int(row.left)
        joining = must[(must["left"] == a) | (must["right"] == a)]
        if len(joining):
            found.append(
                f"decision {row.decision_id} (detach) contradicts same-business "
                f"decisions {_ids(joining)}"
            )
    return found


def _ids(frame: pd.DataFrame) -> str:
    return ", ".join(f"decision {int(d)}" for d in sorted(frame["decision_id"]))


# --- where decisions live ----------------------------------------------------------------


def steward_database(url: str) -> str:
    """The SQLAlchemy URL that holds ``steward.match_decision`` for the warehouse at ``url``:
    on DuckDB a file of its own next to the warehouse file (the nightly publish replaces the
    warehouse file, never this one); on PostgreSQL the warehouse itself."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "duckdb":
        return url
    path = Path(parsed.database or "")
    return f"duckdb:///{path.with_name(f'{path.stem}.steward{path.suffix}')}"


def read_decisions(url: str) -> pd.DataFrame:
    """Every decision recorded for the warehouse at ``url`` (none yet: an empty frame)."""
    steward = steward_database(url)
    parsed = make_url(steward)
    if parsed.get_backend_name() == "duckdb" and not Path(parsed.database or "").exists():
        return pd.DataFrame(columns=DECISION_COLUMNS)
    engine = sa.create_engine(
        steward, connect_args={"read_only": True} if parsed.get_backend_name() == "duckdb" else {}
    )
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("match_decision", schema="steward"):
                return pd.DataFrame(columns=DECISION_COLUMNS)
            return pd.read_sql_query(
                sa.text(f"SELECT * FROM {DECISION_TABLE} ORDER BY decision_id"), conn
            )
    finally:
        engine.dispose()


def record_decisions(url: str, decisions: pd.DataFrame) -> pd.DataFrame:
    """Append decisions (``DECISION_COLUMNS`` but ``decision_id``) for the warehouse at
    ``url``; returns them with the ids they got. Refuses unknown decisions and pairs that
    are one record."""
    unknown = set(decisions["decision"]) - set(DECISIONS)
    if unknown:
        raise ValueError(f"unknown decision(s) {sorted(unknown)}: use one of {DECISIONS}")
    pairs = decisions[decisions["decision"] != DETACH]
    if pairs[["right_source", "right_source_record_id"]].isna().any(axis=None):
        raise ValueError("same_business and different_businesses name two records")
    if (record_refs(pairs, "left_") == record_refs(pairs, "right_")).any():
        raise ValueError("a decision about a record and itself decides nothing")
    steward = steward_database(url)
    engine = sa.create_engine(steward)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS steward"))
            conn.execute(
                sa.text(f"""
                CREATE TABLE IF NOT EXISTS {DECISION_TABLE} (
                    decision_id BIGINT PRIMARY KEY, decision TEXT NOT NULL,
                    left_source TEXT NOT NULL, left_source_record_id TEXT NOT NULL,
                    right_source TEXT, right_source_record_id TEXT,
                    decided_by TEXT NOT NULL, decided_at TIMESTAMPTZ NOT NULL,
                    reason TEXT, review_id TEXT)""")
            )
            last = (
                conn.execute(sa.text(f"SELECT max(decision_id) FROM {DECISION_TABLE}")).scalar()
                or 0
            )
            rows = decisions.assign(decision_id=np.arange(last + 1, last + 1 + len(decisions)))
            for row in rows[DECISION_COLUMNS].to_dict("records"):
                conn.execute(
                    sa.text(
                        f"INSERT INTO {DECISION_TABLE} ({', '.join(DECISION_COLUMNS)}) VALUES ("
                        + ", ".join(f":{c}" for c in DECISION_COLUMNS)
                        + ")"
                    ),
                    {k: (None if pd.isna(v) else v) for k, v in row.items()},
                )
    finally:
        engine.dispose()
    return rows[DECISION_COLUMNS]
