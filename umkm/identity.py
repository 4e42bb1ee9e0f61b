"""``umkm_id``: the identifier of a business, derived from the records that make it up.

A business's id is ``U`` followed by 15 hex digits of the MD5 of its smallest record
reference (``source:source_record_id``). Record keys are stable across snapshots, so a
business keeps its id across nightly runs as long as that record stays in it; ids are
computed inside DuckDB, one SQL statement for all clusters.
"""

from __future__ import annotations

import duckdb
import pandas as pd


def cluster_ids(records: pd.DataFrame, cluster: pd.Series) -> pd.Series:
    """One ``umkm_id`` per record, equal for the records of one cluster."""
    frame = pd.DataFrame({
        "ref": records["source"].astype(str) + ":" + records["source_record_id"].astype(str),
        "cluster": cluster.to_numpy(),
        "position": range(len(records)),
    })
    con = duckdb.connect()
    try:
        con.register("refs", frame)
        ids = con.execute(
            "WITH firsts AS (SELECT cluster, min(ref) AS first_ref FROM refs GROUP BY cluster) "
            "SELECT 'U' || upper(substr(md5(first_ref), 1, 15)) AS umkm_id "
            "FROM refs JOIN firsts USING (cluster) ORDER BY position"
        ).df()["umkm_id"]
    finally:
        con.close()
    return pd.Series(ids.to_numpy(), index=records.index)
