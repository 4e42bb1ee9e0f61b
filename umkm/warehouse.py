"""Publishing tables to the warehouse named by a SQLAlchemy URL (DuckDB or PostgreSQL), by
write-audit-publish.

``publish`` first *writes* every table of a run where no reader looks (a new database file
next to the published one for DuckDB, the ``staging`` schema for PostgreSQL), then runs the
blocking *audit* it is given, and only when that passes *publishes* them atomically:

- DuckDB allows one writing process or many reading ones, so the published file is never
  written to. The run builds a complete new file (history tables carried over from the
  published file, which is attached read-only, so BI tools holding it open do not block the
  run), adds keys, indexes, comments and views, closes it and then ``os.replace``\\ s it over
  the published path. A reader that has the old file open keeps reading the complete old
  tables; new connections see the complete new file; nobody ever sees a half-written file.
- PostgreSQL: COPY into ``staging`` (keys, indexes and comments built there), then one swap
  transaction under a lock timeout, retried, that replaces the tables, appends to the
  history tables and re-creates the views and the ``bi_reader`` grants.

A failed audit, an error or a killed process at any point before the final rename/commit
leaves the published tables exactly as they were. Keys, indexes, comments and views come
from ``umkm.warehouse_catalog``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from umkm.warehouse_catalog import (
    BI_READER_ROLE,
    BI_SCHEMAS,
    comment_statements,
    key_and_index_statements,
    quote_literal,
    view_statements,
)

log = logging.getLogger(__name__)

SCHEMAS = ("curated", "quality", "restricted")
STAGING = "staging"

#: fault injection for tests of crash safety: when the environment names a point
#: (``staging``: after the first table is staged; ``swap``: PostgreSQL inside the swap
#: transaction after the old tables are dropped, DuckDB just before the new file replaces the
#: published one) the publishing process writes the point to ``UMKM_PUBLISH_PAUSE_MARKER``
#: and sleeps (``UMKM_PUBLISH_PAUSE_SECONDS``, default an hour), so that a test can kill it
#: there or read while it waits.
PAUSE_AT_ENV = "UMKM_PUBLISH_PAUSE_AT"
PAUSE_MARKER_ENV = "UMKM_PUBLISH_PAUSE_MARKER"
PAUSE_SECONDS_ENV = "UMKM_PUBLISH_PAUSE_SECONDS"

#: a blocking check run on the written, not yet published tables; it raises to stop publishing
Audit = Callable[["Publication"], None]


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


def display_url(url: str) -> str:
    """The warehouse URL safe for logs and metadata: the password is masked."""
    path = duckdb_path(url)
    if path is not None:
        return str(path.resolve())
    return make_url(url).render_as_string(hide_password=True)


def publish(url: str, publication: Publication, audit: Audit | None = None) -> None:
    """Write the run's tables to the warehouse at ``url``, run ``audit`` on them, and publish
    them all at once; nothing is published when the audit raises."""
    path = duckdb_path(url)
    backend = make_url(url).get_backend_name()
    if path is not None:
        _publish_duckdb(path, publication, audit)
    elif backend == "postgresql":
        _publish_postgres(url, publication, audit)
    else:
        raise ValueError(f"unsupported warehouse {backend!r}: use duckdb:/// or postgresql+psycopg://")


def read_table(url: str, name: str, source: str | None = None,
               columns: tuple[str, ...] | None = None) -> pd.DataFrame | None:
    """A published table as a DataFrame (only the rows of ``source`` and the ``columns``
    when given), or None when the warehouse or table does not exist yet (the first run)."""
    where, params = ("WHERE source = ?", [source]) if source is not None else ("", [])
    selected = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    sql = f"SELECT {selected} FROM {name} {where}"
    return _on_published(url, name,
                         lambda con: con.execute(sql, params).df(),
                         lambda conn: pd.read_sql_query(
                             sa.text(sql.replace("?", ":source")), conn,
                             params={"source": source} if source is not None else None))


def published_row_count(url: str, name: str) -> int | None:
    """Rows of a published table, None when it does not exist yet."""
    count = f"SELECT count(*) FROM {name}"
    return _on_published(url, name, lambda con: con.execute(count).fetchone()[0],
                         lambda conn: conn.execute(sa.text(count)).scalar())


def _on_published(url: str, name: str, on_duckdb: Callable, on_sqlalchemy: Callable):
    """``on_duckdb(connection)`` or ``on_sqlalchemy(connection)`` on the warehouse at ``url``
    when the table ``name`` is published there, else None (DuckDB opened read-only)."""
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
            return on_duckdb(con) if exists else None
        finally:
            con.close()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table, schema=schema):
                return None
            return on_sqlalchemy(conn)
    finally:
        engine.dispose()


def _text_where_untyped(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns that hold nothing but nulls become text, not DuckDB's NULL type, so that a later
    run can append values to them."""
    empty = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype({c: "str" for c in empty}) if empty else frame


def _staging_name(qualified: str) -> str:
    return qualified.replace(".", "__")


def _pause_point(point: str) -> None:
    """The fault-injection hook (see ``PAUSE_AT_ENV``); does nothing unless asked to."""
    if os.environ.get(PAUSE_AT_ENV) != point:
        return
    marker = os.environ.get(PAUSE_MARKER_ENV)
    if marker:
        Path(marker).write_text(point)
    log.warning(f"publish: paused at {point!r} ({PAUSE_AT_ENV})")
    time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "3600")))


# --- DuckDB: build a new file, audit, replace the published file atomically ---------------

def building_path(path: Path) -> Path:
    """Where the next version of the DuckDB warehouse ``path`` is built before it replaces it."""
    return path.with_name(path.name + ".publishing")


def _publish_duckdb(path: Path, publication: Publication, audit: Audit | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    building = building_path(path)
    _remove_database_file(building)  # left by a crashed run
    try:
        con = duckdb.connect(str(building))
        try:
            _write_duckdb_tables(con, path if path.exists() else None, publication)
            if audit is not None:
                audit(publication)
            _apply_catalog_duckdb(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if Path(f"{building}.wal").exists():
            raise RuntimeError(f"{building} still has a write-ahead log after closing")
        _pause_point("swap")
        os.replace(building, path)
        _fsync_directory(path.parent)
    except BaseException:
        _remove_database_file(building)
        raise


def _write_duckdb_tables(con: duckdb.DuckDBPyConnection, previous: Path | None,
                         publication: Publication) -> None:
    """Write the next warehouse's tables into the new file: the run's tables, the history
    tables of ``previous`` with the run's rows appended, every other table of ``previous``
    as it was."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    carried: set[str] = set()
    if previous is not None:
        con.execute(f"ATTACH {quote_literal(str(previous))} AS previous (READ_ONLY)")
        carried = {f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = 'previous'").fetchall() if s in SCHEMAS}
    for number, (name, frame) in enumerate(publication.replace.items()):
        _create_from_frame(con, name, frame)
        if number == 0:
            _pause_point("staging")
    for name, frame in publication.append.items():
        if name in carried:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM previous.{name}")
            con.register("frame", _text_where_untyped(frame))
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM frame")
            con.unregister("frame")
        else:
            _create_from_frame(con, name, frame)
    for name in sorted(carried - set(publication.replace) - set(publication.append)):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM previous.{name}")
    if previous is not None:
        con.execute("DETACH previous")


def _apply_catalog_duckdb(con: duckdb.DuckDBPyConnection) -> None:
    """Keys, indexes, comments and views of ``umkm.warehouse_catalog`` on the new file."""
    present = [f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database()").fetchall()]
    for name in present:
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index", name.split(".")).fetchall()]
        for statement in (key_and_index_statements(name, columns)
                          + comment_statements(name, columns)):
            con.execute(statement)
    for statement in view_statements(set(present)):
        con.execute(statement)


def _create_from_frame(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("frame", _text_where_untyped(frame))
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
    con.unregister("frame")


def _remove_database_file(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (the directory entry reaches the disk)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- PostgreSQL: COPY into staging, audit, swap in one transaction ------------------------

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
    """Bulk-load a DataFrame with COPY (CSV produced by pandas, nulls as ``\\N``). This CSV is
    an internal load format read by PostgreSQL as data, never opened by a spreadsheet."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    cursor.execute(f"CREATE TABLE {table} ("
                   + ", ".join(f'"{c}" {_postgres_type(frame[c])}' for c in frame.columns) + ")")
    text = frame.to_csv(index=False, header=False, na_rep="\\N",
                        date_format="%Y-%m-%d %H:%M:%S.%f%z")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        copy.write(text.encode())


def _publish_postgres(url: str, publication: Publication, audit: Audit | None) -> None:
    """Load every table into ``staging`` with COPY, audit, build keys, indexes and comments
    there, then swap them in inside one transaction that waits at most ``LOCK_TIMEOUT`` for
    readers' locks and is retried when it times out."""
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    dsn = parsed.render_as_string(hide_password=False)
    tables = {**publication.replace, **publication.append}
    with psycopg.connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cursor:
                for schema in (*SCHEMAS, STAGING):
                    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                for number, (name, frame) in enumerate(tables.items()):
                    staged = f"{STAGING}.{_staging_name(name)}"
                    cursor.execute(f"DROP TABLE IF EXISTS {staged}")
                    _copy_into(cursor, staged, frame)
                    if number == 0:
                        _pause_point("staging")
            if audit is not None:
                audit(publication)
            with conn.transaction(), conn.cursor() as cursor:
                for name in publication.replace:
                    staged = f"{STAGING}.{_staging_name(name)}"
                    columns = list(tables[name].columns)
                    for statement in (key_and_index_statements(name, columns, target=staged)
                                      + comment_statements(name, columns, target=staged)):
                        cursor.execute(statement)
            _swap_with_retries(conn, publication, tables)
        except BaseException:
            _drop_staged(conn, tables)
            raise


def _swap_with_retries(conn, publication: Publication, tables: dict) -> None:
    import psycopg

    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                _swap_postgres(cursor, publication, tables)
                _pause_point("swap")
            return
        except psycopg.errors.LockNotAvailable:
            log.warning(f"publish: a reader holds a lock, attempt {attempt} of "
                        f"{SWAP_ATTEMPTS} timed out after {LOCK_TIMEOUT}")
            if attempt == SWAP_ATTEMPTS:
                raise


def _swap_postgres(cursor, publication: Publication, tables: dict) -> None:
    """The swap: drop the views, replace and append the tables, re-create the views,
    comments and indexes of the history tables, and the grants of ``bi_reader``."""
    cursor.execute("SELECT table_schema || '.' || table_name FROM information_schema.views "
                   "WHERE table_schema = ANY(%s) AND table_name LIKE 'v\\_%%'",
                   (list(SCHEMAS),))
    for (view,) in cursor.fetchall():  # the catalog's views, also those it no longer declares
        cursor.execute(f"DROP VIEW IF EXISTS {view} CASCADE")
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
        columns = list(tables[name].columns)
        for statement in (key_and_index_statements(name, columns, if_not_exists=True)
                          + comment_statements(name, columns)):
            cursor.execute(statement)
    cursor.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                   "WHERE table_type = 'BASE TABLE' AND table_schema = ANY(%s)", (list(SCHEMAS),))
    present = {row[0] for row in cursor.fetchall()}
    for statement in view_statements(present):
        cursor.execute(statement)
    grant_bi_reader(cursor)


def grant_bi_reader(cursor) -> bool:
    """Grant ``bi_reader`` (when the role exists) USAGE on the BI schemas and SELECT on every
    table and view in them; True when granted. Runs inside the swap transaction so that
    replaced tables never lose their grants."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (BI_READER_ROLE,))
    if cursor.fetchone() is None:
        return False
    schemas = ", ".join(BI_SCHEMAS)
    cursor.execute(f"GRANT USAGE ON SCHEMA {schemas} TO {BI_READER_ROLE}")
    cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schemas} TO {BI_READER_ROLE}")
    return True


def _drop_staged(conn, tables: dict) -> None:
    """Best-effort clean-up of ``staging`` after a failed or refused publish."""
    try:
        if conn.closed or conn.broken:
            return
        conn.rollback()
        with conn.transaction(), conn.cursor() as cursor:
            for name in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {STAGING}.{_staging_name(name)}")
    except Exception as error:  # the original error matters more
        log.warning(f"publish: could not clean up staging: {type(error).__name__}")
