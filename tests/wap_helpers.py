"""Helpers of the write-audit-publish tests: a small valid publication of a given version,
and two command-line programs run as separate processes (a publishing worker that a test can
kill, and a reader that queries in a loop while another process publishes).

    python -m tests.wap_helpers publish URL VERSION ROWS
    python -m tests.wap_helpers read URL STOP_FILE [--hold]

The reader prints one JSON line per observation: the row counts of ``curated.umkm`` and
``curated.umkm_source_record`` and the version tags found in each.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest

from schemas.canonical import KAB_CODES
from umkm.publish.warehouse import Publication, duckdb_path, publish
from umkm.resolution.golden import as_dates

SERVER = "postgresql://postgres@127.0.0.1:5432"
#: the advisory lock that the tests creating, altering or dropping roles hold in turn
SERVER_ROLES_LOCK = 7_305_431

READ_SQL = """
    SELECT (SELECT count(*) FROM curated.umkm) AS businesses,
           (SELECT count(*) FROM curated.umkm_source_record) AS records,
           (SELECT min(business_name) FROM curated.umkm) AS umkm_min,
           (SELECT max(business_name) FROM curated.umkm) AS umkm_max,
           (SELECT min(match_rule) FROM curated.umkm_source_record) AS records_min,
           (SELECT max(match_rule) FROM curated.umkm_source_record) AS records_max
"""


@contextlib.contextmanager
def postgres_database():
    """A fresh database on the local PostgreSQL server (its SQLAlchemy URL), dropped after."""
    name = f"umkm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextlib.contextmanager
def server_roles_held():
    """Roles are the PostgreSQL server's, not a database's: the tests that create, alter or
    drop them (``bi_reader`` and its logins) take turns, across pytest-xdist workers too, by
    holding an advisory lock of the server meanwhile."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SERVER_ROLES_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SERVER_ROLES_LOCK,))


@pytest.fixture(scope="module")
def server_roles_for_the_module():
    """The server's roles are this module's while its tests run (``server_roles_held``)."""
    with server_roles_held():
        yield


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path):
    """An empty warehouse: a DuckDB file, or a fresh database on the local PostgreSQL."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def postgres_url():
    """A fresh database on the local PostgreSQL server (a test using it is marked
    ``postgres``)."""
    with postgres_database() as url:
        yield url


def make_publication(version: int, rows: int) -> Publication:
    """A publication that passes the audit: ``rows`` businesses of one record each, every
    business name and match rule tagged ``v<version>``, and run metrics that agree."""
    index = np.arange(rows)
    ids = pd.Series([f"U{version:02d}{i:012d}" for i in index], dtype="str")
    tag = f"v{version}"
    has_nib = index % 3 == 0
    nib = pd.Series(np.where(has_nib, (1_000_000_000_000 + index).astype(str), None), dtype="str")
    platforms = index % 4
    online = platforms > 0
    umkm = pd.DataFrame(
        {
            "umkm_id": ids,
            "business_name": tag,
            "kab_code": pd.Series(np.array(KAB_CODES)[index % len(KAB_CODES)], dtype="str"),
            "kab_name": "Kabupaten",
            "kecamatan_code": pd.Series(None, index=index, dtype="str"),
            "kecamatan_name": pd.Series(None, index=index, dtype="str"),
            "kbli": "47111",
            "kbli_section": "G",
            "kbli_section_name": "Perdagangan Besar dan Eceran",
            "sector": "Perdagangan",
            "category": "Dagang",
            "size_class": "Usaha Mikro",
            "nib": nib,
            "nib_issued_on": as_dates(
                pd.Series(np.where(has_nib, pd.Timestamp("2024-01-02"), pd.NaT))
            ),
            "is_registered": has_nib,
            "in_regional_registry": index % 2 == 0,
            "in_oss": has_nib,
            "sells_online": online,
            "platforms": np.where(online, "Tokopedia", ""),
            "platform_count": platforms.astype("int64"),
            "sources": "oss",
            "source_record_count": np.ones(rows, dtype="int64"),
            "is_active": pd.array(np.where(index % 5 == 0, None, index % 2 == 0), dtype="boolean"),
            "registered_on": as_dates(pd.Series(pd.Timestamp("2023-05-06"), index=index)),
            "first_seen": as_dates(pd.Series(pd.Timestamp("2026-11-24"), index=index)),
            "last_seen": as_dates(pd.Series(pd.Timestamp("2026-11-25"), index=index)),
        }
    )
    records = pd.DataFrame(
        {
            "source": "oss",
            "source_record_id": pd.Series([f"r{i}" for i in index], dtype="str"),
            "umkm_id": ids,
            "match_confidence": np.full(rows, 0.9),
            "match_rule": tag,
            "platform": None,
        }
    )
    metrics = pd.DataFrame(
        {"run_id": [tag], "source": ["(all)"], "records_accepted": [rows], "version": [version]}
    )
    return Publication(
        replace={"curated.umkm": umkm, "curated.umkm_source_record": records},
        append={"quality.run_metrics": metrics},
    )


def read_once(url: str, connection=None) -> dict:
    """One consistent observation of the two curated tables (one statement)."""
    path = duckdb_path(url)
    if path is not None:
        import duckdb

        con = connection or duckdb.connect(str(path), read_only=True)
        try:
            row = con.execute(READ_SQL).fetchone()
        finally:
            if connection is None:
                con.close()
    else:
        import psycopg
        from sqlalchemy.engine import make_url

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as con:
            row = con.execute(READ_SQL).fetchone()
    keys = ("businesses", "records", "umkm_min", "umkm_max", "records_min", "records_max")
    return dict(zip(keys, row))


def _read_loop(url: str, stop: Path, hold: bool) -> None:
    """Observe until ``stop`` exists; ``hold`` keeps one DuckDB connection open throughout."""
    connection = None
    if hold:
        import duckdb

        connection = duckdb.connect(str(duckdb_path(url)), read_only=True)
    print(json.dumps({"ready": True}), flush=True)
    while not stop.exists():
        try:
            print(json.dumps(read_once(url, connection)), flush=True)
        except Exception as error:  # noqa: BLE001 - an error is an observation too
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        time.sleep(0.005)


def sql(url: str, statement: str) -> list[tuple]:
    """Rows of one query on the warehouse at ``url`` (DuckDB opened read-only)."""
    path = duckdb_path(url)
    if path is not None:
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute(statement).fetchall()
        finally:
            con.close()
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as con:
        cursor = con.execute(statement)
        return cursor.fetchall() if cursor.description else []


if __name__ == "__main__":
    command, url = sys.argv[1], sys.argv[2]
    if command == "publish":
        publish(url, make_publication(int(sys.argv[3]), int(sys.argv[4])))
    elif command == "read":
        _read_loop(url, Path(sys.argv[3]), hold="--hold" in sys.argv)
