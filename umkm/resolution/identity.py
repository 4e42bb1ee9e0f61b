"""Persistent ``umkm_id``: a business keeps its id across nightly runs.

Tonight's clusters (sets of records that are one business) are compared with last night's
mapping from records to ids (``curated.umkm_source_record`` as published). The rules:

- **keep**: an old id goes to the cluster that holds most of its records (ties: the smaller
  cluster, where the old business is the larger share, so that a business whose records
  did not change keeps its id when a record it lost went to a bigger cluster; then the
  cluster whose smallest record reference sorts first). A cluster that is heir to exactly one old id
  keeps it, whatever records it gained or lost.
- **merge**: a cluster that is heir to several old ids keeps the oldest (first minted; ties:
  the smallest id); the others are retired with the survivor as their successor.
- **split**: the parts of an old cluster that are not its heir get new ids, recorded as split
  from the old id.
- **mint**: a cluster with no old records gets a new id.
- **retire**: an old id none of whose records is linked any more is retired with no successor.
  Its records are remembered (``retired_records``) for ``REVIVAL_DAYS``.
- **revive**: a cluster that would get a new id but holds records of an id retired within
  ``REVIVAL_DAYS`` gets that id back (the one with most of its records), recorded as
  ``revived``: a business whose records were away for a night or two (a missing or shrunken
  file) keeps its id.

New ids are ``U`` + 15 hex digits of the MD5 of the cluster's smallest record reference
(``source:source_record_id``), salted on the rare collision with an id used before, so the
same inputs give the same ids. Every event is appended to ``quality.umkm_id_history``.
All of it is pandas merges and sorts; no loop runs per record or per cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from umkm.frames import isin
from umkm.record_keys import record_refs
from umkm.resolution.stewardship import decision_causes

HISTORY_COLUMNS = [
    "umkm_id",
    "event",
    "related_umkm_id",
    "records",
    "run_id",
    "recorded_at",
    "cause",
]
#: the records of each id retired in the last ``REVIVAL_DAYS``
RETIRED_RECORD_TABLE = "quality.umkm_retired_record"
RETIRED_RECORD_COLUMNS = ["umkm_id", "source", "source_record_id", "retired_at"]
#: how long a retired id can come back when its records do
REVIVAL_DAYS = 30


@dataclass
class IdAssignment:
    """Tonight's id per record, the id events of this run, the whole history with them, and
    the records of the ids that can still be revived."""

    record_ids: pd.Series  # aligned with the clusters frame
    events: pd.DataFrame  # HISTORY_COLUMNS
    history: pd.DataFrame  # every earlier event followed by this run's
    retired_records: pd.DataFrame  # RETIRED_RECORD_COLUMNS


#: a minted id is this letter and the first ``ID_HASH_LENGTH`` hex digits (upper case) of
#: the md5 of the cluster's smallest record reference (``#<salt>`` added after a collision)
ID_PREFIX = "U"
ID_HASH_LENGTH = 15
#: the one computation of a minted id, in DuckDB: ``ref`` of the registered table ``refs``
_MINT_SQL = f"SELECT '{ID_PREFIX}' || upper(substr(md5(ref), 1, {ID_HASH_LENGTH})) AS id FROM refs"


def _hashed_ids(con: duckdb.DuckDBPyConnection, refs: pd.DataFrame) -> pd.Series:
    """The minted id of each ``ref`` (a text column) of ``refs``, in order."""
    con.register("refs", refs)
    try:
        return con.execute(_MINT_SQL).df()["id"]
    finally:
        con.unregister("refs")


def _mint_ids(first_refs: pd.Series, used: pd.Series) -> pd.Series:
    """Deterministic new ids for clusters (index) from their smallest record reference; an id
    used before or minted twice tonight is salted (``#1``, ``#2`` ...) until it is new."""
    con = duckdb.connect()
    try:
        minted = _hashed_ids(con, pd.DataFrame({"ref": first_refs.to_numpy()}))
        minted.index = first_refs.index
        clashes = isin(minted, used) | minted.duplicated(keep="first").to_numpy()
        salt = 0
        while clashes.any():  # only the rare collisions, all of one salt at a time
            salt += 1
            candidates = _hashed_ids(
                con, pd.DataFrame({"ref": (first_refs[clashes] + f"#{salt}").to_numpy()})
            )
            taken = pd.concat([used, minted[~clashes]], ignore_index=True)
            fresh = ~isin(candidates, taken) & ~candidates.duplicated(keep="first").to_numpy()
            settled = np.flatnonzero(clashes)[fresh]
            minted.iloc[settled] = candidates[fresh].to_numpy()
            clashes[settled] = False
    finally:
        con.close()
    return minted


def assign_ids(
    clusters: pd.DataFrame,
    previous: pd.DataFrame | None,
    history: pd.DataFrame | None,
    run_id: str,
    recorded_at: pd.Timestamp,
    retired_records: pd.DataFrame | None = None,
    revival_days: int = REVIVAL_DAYS,
    decided: pd.DataFrame | None = None,
) -> IdAssignment:
    """Give every cluster an ``umkm_id`` following the module's rules.

    ``clusters``: source, source_record_id, cluster (one row per record). ``previous``: last
    published source, source_record_id, umkm_id (or None on the first run). ``history``: the
    id history so far (or None). ``retired_records``: the records of ids retired earlier
    (``RETIRED_RECORD_COLUMNS``, or None). ``decided``: the records stewards' decisions name
    (positions in ``clusters``, decision ids): events of their businesses name the decisions
    as their ``cause``.
    """
    refs = record_refs(clusters)
    records = pd.DataFrame({"ref": refs.to_numpy(), "cluster": clusters["cluster"].to_numpy()})
    first_ref = records.groupby("cluster")["ref"].min()
    previous = (
        previous
        if previous is not None and len(previous)
        else pd.DataFrame(columns=["source", "source_record_id", "umkm_id"])
    )
    history = (
        history if history is not None and len(history) else pd.DataFrame(columns=HISTORY_COLUMNS)
    )
    old = pd.DataFrame(
        {"ref": record_refs(previous).to_numpy(), "old_id": previous["umkm_id"].to_numpy()}
    )
    records = records.merge(old, on="ref", how="left")

    votes = (
        records.dropna(subset=["old_id"])
        .groupby(["old_id", "cluster"])
        .size()
        .rename("n")
        .reset_index()
    )
    votes["first_ref"] = votes["cluster"].map(first_ref)
    votes["size"] = votes["cluster"].map(records.groupby("cluster").size())
    heirs = votes.sort_values(
        ["old_id", "n", "size", "first_ref"], ascending=[True, False, True, True]
    ).drop_duplicates("old_id")
    minted_at = _minted_at(history)
    heirs["minted_at"] = heirs["old_id"].map(minted_at).fillna(pd.Timestamp.min)
    survivors = (
        heirs.sort_values(["cluster", "minted_at", "old_id"])
        .drop_duplicates("cluster")
        .set_index("cluster")["old_id"]
    )

    cluster_ids = survivors.reindex(first_ref.index)
    revivable = _revivable(retired_records, recorded_at, revival_days, old["old_id"])
    revived = _revived(records, cluster_ids, revivable, first_ref)
    cluster_ids[revived.index] = revived
    to_mint = cluster_ids.isna()
    used = pd.concat(
        [history["umkm_id"], old["old_id"], pd.Series(survivors), revivable["umkm_id"]],
        ignore_index=True,
    ).astype("str")
    cluster_ids[to_mint] = _mint_ids(first_ref[to_mint], used)
    record_ids = records["cluster"].map(cluster_ids)

    events = _events(records, heirs, survivors, cluster_ids, to_mint, old, votes, revived)
    events["run_id"] = run_id
    events["recorded_at"] = recorded_at
    events["cause"] = decision_causes(events, record_ids, decided) if decided is not None else ""
    events = events.astype(
        {
            "umkm_id": "str",
            "event": "str",
            "related_umkm_id": "str",
            "records": "int64",
            "run_id": "str",
            "cause": "str",
        }
    )
    events = events[HISTORY_COLUMNS]
    parts = [h for h in (history, events) if len(h)]
    gone = events.loc[events["event"] == "retired", "umkm_id"]
    retired_now = previous[previous["umkm_id"].isin(gone)].assign(retired_at=recorded_at)
    still = revivable[~revivable["umkm_id"].isin(revived)]
    remembered = [f for f in (still, retired_now[RETIRED_RECORD_COLUMNS]) if len(f)]
    return IdAssignment(
        pd.Series(record_ids.to_numpy(), index=clusters.index),
        events,
        pd.concat(parts, ignore_index=True) if parts else events,
        pd.concat(remembered, ignore_index=True)
        if remembered
        else pd.DataFrame(columns=RETIRED_RECORD_COLUMNS),
    )


def _revivable(
    retired_records: pd.DataFrame | None, now: pd.Timestamp, days: int, alive: pd.Series
) -> pd.DataFrame:
    """The remembered records of ids retired at most ``days`` ago and not alive again."""
    if retired_records is None or not len(retired_records):
        return pd.DataFrame(columns=RETIRED_RECORD_COLUMNS)
    retired_at = pd.to_datetime(retired_records["retired_at"], utc=True)
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    recent = retired_at >= now - pd.Timedelta(days=days)
    return retired_records[recent.to_numpy() & ~isin(retired_records["umkm_id"], alive)][
        RETIRED_RECORD_COLUMNS
    ].reset_index(drop=True)


def _revived(
    records: pd.DataFrame, cluster_ids: pd.Series, revivable: pd.DataFrame, first_ref: pd.Series
) -> pd.Series:
    """Retired ids that come back, indexed by the cluster that gets each: a cluster without an
    old id holding records of a retired one; an id goes to the cluster holding most of its
    records (ties: the smaller cluster, then the first reference), and a cluster takes the
    id of which it holds most (ties: the smallest id)."""
    if not len(revivable):
        return pd.Series(dtype=object)
    no_id = records[
        records["cluster"].isin(cluster_ids.index[cluster_ids.isna()]) & records["old_id"].isna()
    ]
    back = no_id.merge(
        pd.DataFrame(
            {
                "ref": record_refs(revivable).to_numpy(),
                "retired_id": revivable["umkm_id"].to_numpy(),
            }
        ),
        on="ref",
    )
    if back.empty:
        return pd.Series(dtype=object)
    votes = back.groupby(["retired_id", "cluster"]).size().rename("n").reset_index()
    votes["size"] = votes["cluster"].map(records.groupby("cluster").size())
    votes["first_ref"] = votes["cluster"].map(first_ref)
    per_id = votes.sort_values(
        ["retired_id", "n", "size", "first_ref"], ascending=[True, False, True, True]
    ).drop_duplicates("retired_id")
    per_cluster = per_id.sort_values(
        ["cluster", "n", "retired_id"], ascending=[True, False, True]
    ).drop_duplicates("cluster")
    return per_cluster.set_index("cluster")["retired_id"]


def _minted_at(history: pd.DataFrame) -> pd.Series:
    born = history[history["event"].isin(["minted", "split"])]
    return born.groupby("umkm_id")["recorded_at"].min()


def _events(
    records: pd.DataFrame,
    heirs: pd.DataFrame,
    survivors: Any,
    cluster_ids: Any,
    to_mint: Any,
    old: pd.DataFrame,
    votes: pd.DataFrame,
    revived: pd.DataFrame,
) -> pd.DataFrame:
    size = records.groupby("cluster").size()
    merged = heirs[~isin(heirs["old_id"], survivors)]
    gone = pd.Index(old["old_id"].unique()).difference(heirs["old_id"])
    minted = cluster_ids[to_mint]
    # a new cluster made of records of an old id that went elsewhere is a split of that id
    split_from = (
        votes[votes["cluster"].isin(minted.index)]
        .sort_values(["cluster", "n", "old_id"], ascending=[True, False, True])
        .drop_duplicates("cluster")
        .set_index("cluster")["old_id"]
    )
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "umkm_id": minted.to_numpy(),
                    "event": np.where(minted.index.isin(split_from.index), "split", "minted"),
                    "related_umkm_id": split_from.reindex(minted.index).to_numpy(),
                    "records": size.reindex(minted.index).to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "umkm_id": merged["old_id"].to_numpy(),
                    "event": "merged",
                    "related_umkm_id": merged["cluster"].map(cluster_ids).to_numpy(),
                    "records": merged["n"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "umkm_id": gone.to_numpy(),
                    "event": "retired",
                    "related_umkm_id": None,
                    "records": 0,
                }
            ),
            pd.DataFrame(
                {
                    "umkm_id": revived.to_numpy(),
                    "event": "revived",
                    "related_umkm_id": None,
                    "records": size.reindex(revived.index).to_numpy(),
                }
            ),
        ],
        ignore_index=True,
    )


def retired_id_successors(history: pd.DataFrame) -> pd.DataFrame:
    """Every retired or merged id and the current id it leads to (chains followed through):
    ``retired_umkm_id``, ``successor_umkm_id`` (None when the business is gone), ``event``,
    ``retired_at``."""
    last = (
        history[history["event"].isin(["merged", "retired", "revived"])]
        .sort_values("recorded_at", kind="stable")
        .drop_duplicates("umkm_id", keep="last")
    )
    ended = last[last["event"] != "revived"]  # a revived id is current again
    step = ended.set_index("umkm_id")["related_umkm_id"]
    successor = step.copy()
    for _ in range(64):  # pointer jumping: each pass halves the longest chain
        further = successor.map(step)
        hop = further.notna() & (further != successor)
        if not hop.any():
            break
        successor = successor.where(~hop, further)
    return pd.DataFrame(
        {
            "retired_umkm_id": ended["umkm_id"].to_numpy(),
            "successor_umkm_id": successor.reindex(ended["umkm_id"]).to_numpy(),
            "event": ended["event"].to_numpy(),
            "retired_at": ended["recorded_at"].to_numpy(),
        }
    )
