"""Publishing tables to the warehouse named by a SQLAlchemy URL (DuckDB or PostgreSQL).

``publish`` writes every table of a run into a staging schema first and then, in one
transaction, replaces the published tables (``replace``) and appends to the history tables
(``append``). A failure before the commit leaves the published tables as they were. DuckDB
files are written through DuckDB's own client (bulk insert from DataFrames); other databases
through SQLAlchemy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

SCHEMAS = ("curated", "quality", "restricted")
STAGING = "staging"


@dataclass
class Publication:
    """The tables of one run: ``replace`` swaps tables in whole, ``append`` adds rows."""

    replace: dict[str, pd.DataFrame] = field(default_factory=dict)
    append: dict[str, pd.DataFrame] = field(default_factory=dict)


def duckdb_path(url: str) -> Path | None:
    """The database file of a ``duckdb:///...`` URL, None for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "duckdb":
        return None
    return Path(parsed.database or ":memory:")


def publish(url: str, publication: Publication) -> None:
    """Write the run's tables to the warehouse at ``url``, all or nothing."""
    path = duckdb_path(url)
    if path is not None:
        _publish_duckdb(path, publication)
    else:
        _publish_sqlalchemy(url, publication)


def read_table(url: str, name: str) -> pd.DataFrame | None:
    """A published table as a DataFrame, or None when the warehouse or table does not exist
    yet (the first run)."""
    path = duckdb_path(url)
    schema, table = name.split(".")
    if path is not None:
        if not path.exists():
            return None
        con = duckdb.connect(str(path), read_only=True)
        try:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchone()[0]
            return con.execute(f"SELECT * FROM {name}").df() if exists else None
        finally:
            con.close()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table, schema=schema):
                return None
            return pd.read_sql_table(table, conn, schema=schema)
    finally:
        engine.dispose()


def _text_where_untyped(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns that hold nothing but nulls become text, not DuckDB's NULL type, so that a later
    run can append values to them."""
    empty = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype({c: "str" for c in empty}) if empty else frame


def _staging_name(qualified: str) -> str:
    return qualified.replace(".", "__")


def _publish_duckdb(path: Path, publication: Publication) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for schema in (*SCHEMAS, STAGING):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        tables = {**publication.replace, **publication.append}
        for name, frame in tables.items():
            con.register("frame", _text_where_untyped(frame))
            con.execute(f"CREATE OR REPLACE TABLE {STAGING}.{_staging_name(name)} AS "
                        f"SELECT * FROM frame")
            con.unregister("frame")
        con.execute("BEGIN TRANSACTION")
        for name in publication.replace:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS "
                        f"SELECT * FROM {STAGING}.{_staging_name(name)}")
        for name in publication.append:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = ? AND table_name = ?", name.split(".")
            ).fetchone()[0]
            if exists:
                con.execute(f"INSERT INTO {name} BY NAME "
                            f"SELECT * FROM {STAGING}.{_staging_name(name)}")
            else:
                con.execute(f"CREATE TABLE {name} AS "
                            f"SELECT * FROM {STAGING}.{_staging_name(name)}")
        for name in tables:
            con.execute(f"DROP TABLE {STAGING}.{_staging_name(name)}")
        con.execute("COMMIT")
    except Exception:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction was open
        raise
    finally:
        con.close()


def _publish_sqlalchemy(url: str, publication: Publication) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for schema in (*SCHEMAS, STAGING):
                conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        tables = {**publication.replace, **publication.append}
        with engine.begin() as conn:
            for name, frame in tables.items():
                frame.to_sql(_staging_name(name), conn, schema=STAGING, if_exists="replace",
                             index=False, chunksize=10_000, method="multi")
        with engine.begin() as conn:
            inspector = sa.inspect(conn)
            for name in publication.replace:
                schema, table = name.split(".")
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
                conn.execute(sa.text(
                    f"ALTER TABLE {STAGING}.{_staging_name(name)} RENAME TO {table}"))
                conn.execute(sa.text(f"ALTER TABLE {STAGING}.{table} SET SCHEMA {schema}"))
            for name in publication.append:
                schema, table = name.split(".")
                if inspector.has_table(table, schema=schema):
                    columns = ", ".join(f'"{c}"' for c in tables[name].columns)
                    conn.execute(sa.text(
                        f"INSERT INTO {name} ({columns}) SELECT {columns} "
                        f"FROM {STAGING}.{_staging_name(name)}"))
                    conn.execute(sa.text(f"DROP TABLE {STAGING}.{_staging_name(name)}"))
                else:
                    conn.execute(sa.text(
                        f"ALTER TABLE {STAGING}.{_staging_name(name)} RENAME TO {table}"))
                    conn.execute(sa.text(f"ALTER TABLE {STAGING}.{table} SET SCHEMA {schema}"))
    finally:
        engine.dispose()
