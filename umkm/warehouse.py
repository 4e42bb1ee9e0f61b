"""Publishing tables to the warehouse named by a SQLAlchemy URL (DuckDB or PostgreSQL).

``publish`` writes every table of a run into a staging schema first and then, in one
transaction, replaces the published tables (``replace``) and appends to the history tables
(``append``). A failure before the commit leaves the published tables as they were. DuckDB
files are written through DuckDB's own client (bulk insert from DataFrames); PostgreSQL
with COPY through psycopg, swapped in under a lock timeout with retries.
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
    backend = make_url(url).get_backend_name()
    if path is not None:
        _publish_duckdb(path, publication)
    elif backend == "postgresql":
        _publish_postgres(url, publication)
    else:
        raise ValueError(f"unsupported warehouse {backend!r}: use duckdb:/// or postgresql+psycopg://")


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


#: how long the swap waits for a lock held by a reader before it gives up and retries
LOCK_TIMEOUT = "5s"
SWAP_ATTEMPTS = 5


def _postgres_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE PRECISION"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "TIMESTAMPTZ"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "TIMESTAMP"
    return "TEXT"


def _copy_into(cursor, table: str, frame: pd.DataFrame) -> None:
    """Bulk-load a DataFrame with COPY (CSV produced by pandas, nulls as ``\\N``)."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    cursor.execute(f"CREATE TABLE {table} ("
                   + ", ".join(f'"{c}" {_postgres_type(frame[c])}' for c in frame.columns) + ")")
    text = frame.to_csv(index=False, header=False, na_rep="\\N",
                        date_format="%Y-%m-%d %H:%M:%S.%f%z")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        copy.write(text.encode())


def _publish_postgres(url: str, publication: Publication) -> None:
    """Load every table into ``staging`` with COPY, then swap them in inside one transaction
    that waits at most ``LOCK_TIMEOUT`` for readers' locks and is retried when it times out."""
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    dsn = parsed.render_as_string(hide_password=False)
    tables = {**publication.replace, **publication.append}
    with psycopg.connect(dsn) as conn:
        with conn.transaction(), conn.cursor() as cursor:
            for schema in (*SCHEMAS, STAGING):
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for name, frame in tables.items():
                cursor.execute(f"DROP TABLE IF EXISTS {STAGING}.{_staging_name(name)}")
                _copy_into(cursor, f"{STAGING}.{_staging_name(name)}", frame)
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    _swap_postgres(cursor, publication, tables)
                return
            except psycopg.errors.LockNotAvailable:
                log.warning(f"publish: a reader holds a lock, attempt {attempt} of "
                            f"{SWAP_ATTEMPTS} timed out after {LOCK_TIMEOUT}")
                if attempt == SWAP_ATTEMPTS:
                    raise


def _swap_postgres(cursor, publication: Publication, tables: dict) -> None:
    for name in publication.replace:
        schema, table = name.split(".")
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"ALTER TABLE {STAGING}.{_staging_name(name)} RENAME TO {table}")
        cursor.execute(f"ALTER TABLE {STAGING}.{table} SET SCHEMA {schema}")
    for name in publication.append:
        schema, table = name.split(".")
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        if cursor.fetchone()[0]:
            columns = ", ".join(f'"{c}"' for c in tables[name].columns)
            cursor.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} "
                           f"FROM {STAGING}.{_staging_name(name)}")
            cursor.execute(f"DROP TABLE {STAGING}.{_staging_name(name)}")
        else:
            cursor.execute(f"ALTER TABLE {STAGING}.{_staging_name(name)} RENAME TO {table}")
            cursor.execute(f"ALTER TABLE {STAGING}.{table} SET SCHEMA {schema}")
