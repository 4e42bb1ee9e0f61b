"""Publishing tables to the warehouse named by a SQLAlchemy URL (DuckDB or PostgreSQL), by
write-audit-publish, one run at a time.

``publish`` first *writes* every table of a run where no reader looks, then runs the blocking
*audit* it is given, and only when that passes *publishes* them atomically. The caller holds
the warehouse's writer lock (``umkm.publish.warehouse_lock``), so no other run publishes meanwhile.

- DuckDB allows one writing process or many reading ones, so the published file is never
  written to. The run builds a complete new file of its own
  (``<warehouse>.publishing-<run id>``; history tables carried over from the published file,
  which is attached read-only, so BI tools holding it open do not block the run), adds keys,
  indexes, comments and views, records the run in ``quality.publication``, closes it,
  verifies that the file is this run's complete output, and only then ``os.replace`` puts it
  over the published path. A reader that has the old file open keeps reading the complete
  old tables; new connections see the complete new file.
- PostgreSQL: COPY into ``staging``, audit, then one transaction replaces the *rows* of each
  published table (``DELETE`` and ``INSERT``: MVCC gives a reader whose snapshot is older,
  READ COMMITTED or REPEATABLE READ, the old rows, and neither side waits for the other's
  locks), appends the history rows and records the run in ``quality.publication``. Only a
  table whose columns changed is replaced whole, under a lock timeout, retried. ``staging``
  is dropped when the publish ends, whatever the outcome, and at the start of the next.

A failed audit, an error or a killed process at any point before the final rename/commit
leaves the published tables exactly as they were. Keys, indexes, comments and views come
from ``umkm.publish.warehouse_catalog``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from umkm.duckdb_settings import DuckDBSettings
from umkm.publish.warehouse_catalog import (
    BI_READER_ROLE,
    BI_SCHEMAS,
    comment_statements,
    key_and_index_statements,
    quote_ident,
    quote_literal,
    view_statements,
    views_fingerprint,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

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


#: one row per publish: which run's tables are live, and how many rows each table got
PUBLICATION_TABLE = "quality.publication"


class PublishVerificationFailed(RuntimeError):
    """What was about to go live is not this run's complete output."""


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB warehouse file open for writing (a BI tool opened it
    read-write): the run cannot read the published tables."""


def publish(
    url: str,
    publication: Publication,
    audit: Audit | None = None,
    run_id: str = "outside-a-run",
    logger: logging.Logger | None = None,
    duckdb_settings: DuckDBSettings | None = None,
) -> None:
    """Write the run's tables to the warehouse at ``url``, run ``audit`` on them, and publish
    them all at once as run ``run_id``; nothing is published when the audit raises. A DuckDB
    warehouse is built within ``duckdb_settings``' memory and threads."""
    logger = logger or log
    path = duckdb_path(url)
    backend = make_url(url).get_backend_name()
    publication = _with_publication_row(publication, run_id)
    if path is not None:
        _publish_duckdb(
            path,
            publication,
            audit,
            run_id,
            logger,
            duckdb_settings or DuckDBSettings.for_this_machine(),
        )
    elif backend == "postgresql":
        _publish_postgres(url, publication, audit, run_id, logger)
    else:
        raise ValueError(
            f"unsupported warehouse {backend!r}: use duckdb:/// or postgresql+psycopg://"
        )


def _with_publication_row(publication: Publication, run_id: str) -> Publication:
    """The publication with its ``quality.publication`` row: the run and each table's rows."""
    counts = {
        name: len(frame) for name, frame in {**publication.replace, **publication.append}.items()
    }
    row = pd.DataFrame(
        {
            "run_id": [run_id],
            "published_at": [pd.Timestamp.now(tz="UTC")],
            "table_rows": [json.dumps(counts, sort_keys=True)],
            "views_fingerprint": [views_fingerprint()],
        }
    )
    return Publication(
        replace=publication.replace, append={**publication.append, PUBLICATION_TABLE: row}
    )


def _expected_rows(publication: Publication) -> dict[str, int]:
    return {name: len(frame) for name, frame in publication.replace.items()}


def read_table(
    url: str, name: str, source: str | None = None, columns: tuple[str, ...] | None = None
) -> pd.DataFrame | None:
    """A published table as a DataFrame (only the rows of ``source`` and the ``columns``
    when given), or None when the warehouse or table does not exist yet (the first run)."""
    where, params = ("WHERE source = ?", [source]) if source is not None else ("", [])
    selected = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    sql = f"SELECT {selected} FROM {name} {where}"
    return _on_published(
        url,
        name,
        lambda con: con.execute(sql, params).df(),
        lambda conn: pd.read_sql_query(
            sa.text(sql.replace("?", ":source")),
            conn,
            params={"source": source} if source is not None else None,
        ),
    )


def published_row_count(url: str, name: str) -> int | None:
    """Rows of a published table, None when it does not exist yet."""
    count = f"SELECT count(*) FROM {name}"
    return _on_published(
        url,
        name,
        lambda con: _first_cell(con.execute(count).fetchone()),
        lambda conn: conn.execute(sa.text(count)).scalar(),
    )


def _first_cell(row: tuple[Any, ...] | None) -> Any:
    return row[0] if row is not None else None


def _on_published(
    url: str,
    name: str,
    on_duckdb: Callable[[duckdb.DuckDBPyConnection], T],
    on_sqlalchemy: Callable[[sa.Connection], T],
) -> T | None:
    """``on_duckdb(connection)`` or ``on_sqlalchemy(connection)`` on the warehouse at ``url``
    when the table ``name`` is published there, else None (DuckDB opened read-only; its
    ``restricted`` tables are in the restricted file, attached as ``restricted``)."""
    path = duckdb_path(url)
    schema, table = name.split(".")
    if path is not None:
        if not path.exists():
            return None
        con = open_with_restricted(path)
        try:
            exists = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE (database_name = ? "
                "AND schema_name = 'main' AND table_name = ?) OR (database_name = "
                "current_database() AND schema_name = ? AND table_name = ?)",
                [schema, table, schema, table],
            ).fetchall()[0][0]
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


def open_with_restricted(path: Path) -> duckdb.DuckDBPyConnection:
    """The published DuckDB warehouse read-only, with its restricted file attached as
    ``restricted`` (for the pipeline and authorised users; BI tools open the file alone)."""
    con = _open_published(path)
    restricted = restricted_file(con, path)
    if restricted is not None:
        con.execute(f"ATTACH {quote_literal(str(restricted))} AS {RESTRICTED} (READ_ONLY)")
    return con


def copy_duckdb_warehouse(source: Path, target: Path) -> None:
    """Copy a published DuckDB warehouse: the BI file and the restricted file it names (the
    copy names it by the same file name, next to the target)."""
    con = _open_published(Path(source))
    try:
        restricted = restricted_file(con, Path(source))
    finally:
        con.close()
    shutil.copy(source, target)
    if restricted is not None and Path(target).with_name(restricted.name) != restricted:
        shutil.copy(restricted, Path(target).with_name(restricted.name))
        os.chmod(Path(target).with_name(restricted.name), 0o600)


def restricted_path(path: Path, run_id: str) -> Path:
    """A new restricted database file for run ``run_id`` next to the DuckDB warehouse (a
    name of its own per publish: the live one is never written to)."""
    return path.with_name(f"{path.stem}.restricted-{run_id}-{uuid.uuid4().hex[:8]}{path.suffix}")


def restricted_file(con: duckdb.DuckDBPyConnection, path: Path) -> Path | None:
    """The restricted database file that the published DuckDB warehouse (open in ``con``)
    names in its last publication row; None before the first such publish."""
    columns = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'quality' AND table_name = 'publication'"
        ).fetchall()
    }
    if "restricted_file" not in columns:
        return None
    row = con.execute(
        f"SELECT restricted_file FROM {PUBLICATION_TABLE} ORDER BY published_at DESC LIMIT 1"
    ).fetchall()
    if not row or not row[0][0]:
        return None
    restricted = path.with_name(row[0][0])
    return restricted if restricted.exists() else None


def _open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """The published DuckDB file, read-only; a BI tool holding it read-write is named."""
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        holder = re.search(r"PID (\d+)", str(error))
        raise WarehouseBusy(
            f"the warehouse file {path} is held open for writing by another process"
            f"{f' (pid {holder.group(1)})' if holder else ''}, probably a BI tool or a "
            "notebook that opened it read-write. The nightly run can only read it when every "
            "other process opens it read-only (duckdb.connect(path, read_only=True); README, "
            "'BI access'): close that connection or reopen it read-only, then run again."
        ) from error


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


def building_path(path: Path, run_id: str) -> Path:
    """Where run ``run_id`` builds the next version of the DuckDB warehouse ``path``."""
    return path.with_name(f"{path.name}.publishing-{run_id}")


def _publish_duckdb(
    path: Path,
    publication: Publication,
    audit: Audit | None,
    run_id: str,
    logger: logging.Logger,
    settings: DuckDBSettings,
) -> None:
    """Build the BI file and the restricted file of the run, verify them, and make them live
    with one rename of the BI file (the commit point: it names its restricted file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    previous_restricted = _live_restricted(path)
    _remove_leftovers(path, keep=previous_restricted)  # of crashed earlier runs
    building = building_path(path, run_id)
    restricted = restricted_path(path, run_id)
    publication = _naming_restricted_file(publication, restricted.name)
    seconds: dict[str, float] = {}
    try:
        with settings.for_publishing().connection(str(building)) as con:
            old_umask = os.umask(0o077)  # the restricted file is created readable by us only
            try:
                con.execute(f"ATTACH {quote_literal(str(restricted))} AS {RESTRICTED}")
            finally:
                os.umask(old_umask)
            with _timed(seconds, "write"):
                _write_duckdb_tables(
                    con, path if path.exists() else None, previous_restricted, publication
                )
            with _timed(seconds, "audit"):
                if audit is not None:
                    audit(publication)
            with _timed(seconds, "keys, comments, views"):
                _apply_catalog_duckdb(con)
            with _timed(seconds, "checkpoint"):
                con.execute("CHECKPOINT")
                con.execute(f"DETACH {RESTRICTED}")
        for written in (building, restricted):
            if Path(f"{written}.wal").exists():
                raise RuntimeError(f"{written} still has a write-ahead log after closing")
        os.chmod(restricted, 0o600)
        with _timed(seconds, "verify"):
            _verify_duckdb(building, restricted, run_id, _expected_rows(publication))
        _pause_point("swap")
        os.replace(building, path)
        _fsync_directory(path.parent)
        logger.info(
            f"published run {run_id} to {path} (restricted tables: {restricted.name}); "
            + ", ".join(f"{step} {s:.1f}s" for step, s in seconds.items())
        )
    except BaseException:
        _remove_database_file(building)
        _remove_database_file(restricted)
        raise
    _remove_leftovers(path, keep=restricted)


@contextlib.contextmanager
def _timed(seconds: dict[str, float], step: str) -> Iterator[None]:
    """Adds the seconds the block took to ``seconds[step]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - started


#: how the restricted database is attached (its tables live in its ``main`` schema, so that
#: ``restricted.<table>`` names them on either engine)
RESTRICTED = "restricted"


def _naming_restricted_file(publication: Publication, name: str) -> Publication:
    row = publication.append[PUBLICATION_TABLE].assign(restricted_file=name)
    return Publication(
        replace=publication.replace, append={**publication.append, PUBLICATION_TABLE: row}
    )


def _live_restricted(path: Path) -> Path | None:
    if not path.exists():
        return None
    con = _open_published(path)
    try:
        return restricted_file(con, path)
    finally:
        con.close()


def _remove_leftovers(path: Path, keep: Path | None) -> None:
    """Building files and restricted files that no published file names (crashed runs,
    and the restricted file of the publish before the last)."""
    for leftover in path.parent.glob(f"{path.name}.publishing*"):
        leftover.unlink(missing_ok=True)
    for leftover in path.parent.glob(f"{path.stem}.restricted-*{path.suffix}*"):
        if keep is None or leftover.name not in (keep.name, f"{keep.name}.wal"):
            leftover.unlink(missing_ok=True)


def _verify_duckdb(building: Path, restricted: Path, run_id: str, expected: dict[str, int]) -> None:
    """The files about to go live are this run's: the last publication row names the run
    and its restricted file, and every replaced table holds the rows the run wrote."""
    con = duckdb.connect(str(building), read_only=True)
    try:
        con.execute(f"ATTACH {quote_literal(str(restricted))} AS {RESTRICTED} (READ_ONLY)")
        last = con.execute(
            f"SELECT run_id, restricted_file FROM {PUBLICATION_TABLE} "
            "ORDER BY published_at DESC LIMIT 1"
        ).fetchall()
        counts = {
            name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in expected
        }
    finally:
        con.close()
    if not last or last[0] != (run_id, restricted.name) or counts != expected:
        raise PublishVerificationFailed(
            f"{building} is not run {run_id}'s complete output (last publication "
            f"{last[0] if last else None}, rows {counts}, expected {expected}); "
            "nothing was published"
        )


def _write_duckdb_tables(
    con: duckdb.DuckDBPyConnection,
    previous: Path | None,
    previous_restricted: Path | None,
    publication: Publication,
) -> None:
    """Write the next warehouse's tables into the new files: the run's tables, the history
    tables of the previous files with the run's rows appended, every other table of the
    previous files as it was. ``restricted.*`` tables go to the restricted file (attached as
    ``restricted``), the others to the BI file."""
    for schema in SCHEMAS:
        if schema != RESTRICTED:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    carried: dict[str, str] = {}  # table -> where it is in the previous files
    if previous is not None:
        con.execute(f"ATTACH {quote_literal(str(previous))} AS previous (READ_ONLY)")
        carried.update(
            {
                f"{s}.{t}": f"previous.{s}.{t}"
                for s, t in con.execute(
                    "SELECT schema_name, table_name FROM duckdb_tables() "
                    "WHERE database_name = 'previous'"
                ).fetchall()
                if s in SCHEMAS
            }
        )
    if previous_restricted is not None:
        con.execute(
            f"ATTACH {quote_literal(str(previous_restricted))} AS previous_restricted (READ_ONLY)"
        )
        carried.update(
            {
                f"{RESTRICTED}.{t}": f"previous_restricted.main.{t}"
                for (t,) in con.execute(
                    "SELECT table_name FROM duckdb_tables() "
                    "WHERE database_name = 'previous_restricted'"
                ).fetchall()
            }
        )
    for number, (name, frame) in enumerate(publication.replace.items()):
        _create_from_frame(con, name, frame)
        if number == 0:
            _pause_point("staging")
    for name, frame in publication.append.items():
        if name in carried:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {carried[name]}")
            con.register("frame", _text_where_untyped(frame))
            _add_new_columns_duckdb(con, name)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM frame")
            con.unregister("frame")
        else:
            _create_from_frame(con, name, frame)
    for name in sorted(set(carried) - set(publication.replace) - set(publication.append)):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {carried[name]}")
    for attached in ("previous", "previous_restricted"):
        if (
            attached == "previous"
            and previous is not None
            or (attached == "previous_restricted" and previous_restricted is not None)
        ):
            con.execute(f"DETACH {attached}")


def _add_new_columns_duckdb(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """A history table gains the columns a newer release appends (older rows: null)."""
    have = {row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()}
    for column, kind, *_ in con.execute("DESCRIBE SELECT * FROM frame").fetchall():
        if column not in have:
            con.execute(f"ALTER TABLE {name} ADD COLUMN {quote_ident(column)} {kind}")


def _apply_catalog_duckdb(con: duckdb.DuckDBPyConnection) -> None:
    """Keys, indexes, comments and views of ``umkm.publish.warehouse_catalog`` on the new files."""
    present = [
        (f"{s}.{t}" if d != RESTRICTED else f"{RESTRICTED}.{t}", d, s, t)
        for d, s, t in con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name IN (current_database(), ?)",
            [RESTRICTED],
        ).fetchall()
    ]
    for name, database, schema, table in present:
        columns = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [database, schema, table],
            ).fetchall()
        ]
        for statement in key_and_index_statements(name, columns) + comment_statements(
            name, columns
        ):
            con.execute(statement)
    for statements in view_statements({name for name, *_ in present}).values():
        for statement in statements:
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
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_date(series.dtype.pyarrow_dtype):
        return "DATE"
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


def _copy_into(cursor: Any, table: str, frame: pd.DataFrame) -> None:
    """Bulk-load a DataFrame with COPY (CSV produced by pandas, nulls as ``\\N``). This CSV is
    an internal load format read by PostgreSQL as data, never opened by a spreadsheet."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    cursor.execute(
        f"CREATE TABLE {table} ("
        + ", ".join(f'"{c}" {_postgres_type(frame[c])}' for c in frame.columns)
        + ")"
    )
    text = frame.to_csv(
        index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f%z"
    )
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        copy.write(text.encode())


def _publish_postgres(
    url: str, publication: Publication, audit: Audit | None, run_id: str, logger: logging.Logger
) -> None:
    """Load every table into ``staging`` with COPY, audit, then publish in one transaction
    that replaces the rows of the published tables (``_swap_postgres``)."""
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    dsn = parsed.render_as_string(hide_password=False)
    tables = {**publication.replace, **publication.append}
    with psycopg.connect(dsn, application_name=f"umkm publish {run_id}"[:63]) as conn:
        try:
            with conn.transaction(), conn.cursor() as cursor:
                # the writer lock is held: whatever is in staging was left by a failed run
                cursor.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")
                for schema in (*SCHEMAS, STAGING):
                    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                for number, (name, frame) in enumerate(tables.items()):
                    _copy_into(cursor, f"{STAGING}.{_staging_name(name)}", frame)
                    if number == 0:
                        _pause_point("staging")
            if audit is not None:
                audit(publication)
            _swap_with_retries(conn, publication, tables, run_id, logger)
        finally:
            _drop_staging(conn, logger)


def _swap_with_retries(
    conn: Any, publication: Publication, tables: dict[str, Any], run_id: str, logger: logging.Logger
) -> None:
    import psycopg

    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                _swap_postgres(cursor, publication, tables, run_id)
                _pause_point("swap")
            return
        except psycopg.errors.LockNotAvailable as error:
            holders = _lock_holders(conn, list(publication.replace))
            message = (
                f"publish: attempt {attempt} of {SWAP_ATTEMPTS} timed out after "
                f"{LOCK_TIMEOUT} waiting for a lock held by {holders or 'another session'}"
                " (a table whose columns changed is replaced whole, which waits for "
                "readers)"
            )
            logger.warning(message)
            if attempt == SWAP_ATTEMPTS:
                raise RuntimeError(message) from error


def _lock_holders(conn: Any, names: list[str]) -> str:
    """The sessions holding locks on the published tables: pid, user, application, since."""
    try:
        conn.rollback()
        rows = conn.execute(
            """
            SELECT DISTINCT l.relation::regclass::text, a.pid, a.usename, a.application_name,
                   a.xact_start
            FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.granted AND l.relation = ANY(
                SELECT to_regclass(n) FROM unnest(%s::text[]) AS n)
              AND a.pid <> pg_backend_pid()""",
            (names,),
        ).fetchall()
        conn.rollback()  # end the implicit transaction: the next attempt is a transaction
    except Exception:  # the diagnosis must not hide the timeout
        return ""
    return "; ".join(
        f"{table}: pid {pid} ({user}, {app or 'no application name'}, "
        f"in a transaction since {start:%H:%M:%S})"
        for table, pid, user, app, start in rows
    )


def _columns(cursor: Any, name: str) -> list[tuple[str, str]]:
    schema, table = name.split(".")
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    )
    return cursor.fetchall()


def _swap_postgres(
    cursor: Any, publication: Publication, tables: dict[str, Any], run_id: str
) -> None:
    """The publish transaction: replace the rows of each replaced table (a table whose
    columns changed, or a new one, is moved in whole with its keys, indexes and comments),
    append the history rows, create missing or changed views, grant ``bi_reader``, and check
    that what is about to commit is this run's complete output."""
    cursor.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema = ANY(%s)",
        (list(SCHEMAS),),
    )
    present = {row[0] for row in cursor.fetchall()} | set(tables)
    views_changed = _last_views_fingerprint(cursor) != views_fingerprint()
    recreated = []
    for name in publication.replace:
        staged = f"{STAGING}.{_staging_name(name)}"
        live_columns = _columns(cursor, name)
        if live_columns and live_columns == _columns(cursor, staged):
            columns = ", ".join(f'"{c}"' for c, _ in live_columns)
            cursor.execute(f"DELETE FROM {name}")
            cursor.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {staged}")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
            _move_staged(cursor, name)
            recreated.append(name)
    for name in publication.append:
        staged = f"{STAGING}.{_staging_name(name)}"
        live = _columns(cursor, name)
        if live:
            have = {c for c, _ in live}
            for column, kind in _columns(cursor, staged):  # a newer release's new columns
                if column not in have:
                    cursor.execute(f"ALTER TABLE {name} ADD COLUMN {quote_ident(column)} {kind}")
            columns = ", ".join(f'"{c}"' for c in tables[name].columns)
            cursor.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {staged}")
        else:
            _move_staged(cursor, name)
            recreated.append(name)
    for name in recreated:  # moved in whole: keys and indexes are built on it
        for statement in key_and_index_statements(name, list(tables[name].columns)):
            cursor.execute(statement)
    for name in tables:  # comments wait for no reader: renewed on every publish
        for statement in comment_statements(name, list(tables[name].columns)):
            cursor.execute(statement)
    _views_postgres(cursor, present, force=views_changed or bool(recreated))
    grant_bi_reader(cursor)
    _verify_postgres(cursor, publication, run_id)


def _move_staged(cursor: Any, name: str) -> None:
    schema, table = name.split(".")
    cursor.execute(f"ALTER TABLE {STAGING}.{_staging_name(name)} RENAME TO {table}")
    cursor.execute(f"ALTER TABLE {STAGING}.{table} SET SCHEMA {schema}")


def _views_postgres(cursor: Any, present: set[str], force: bool) -> None:
    """The catalog's views: re-created only when the catalog's views changed since the last
    publish (``views_fingerprint`` of ``quality.publication``) or one is missing, so that a
    publish does not wait for readers of unchanged views; ``v_*`` views the catalog no longer
    declares are dropped then."""
    statements = view_statements(present)
    cursor.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.views "
        "WHERE table_schema = ANY(%s) AND table_name LIKE 'v\\_%%'",
        (list(SCHEMAS),),
    )
    existing = {row[0] for row in cursor.fetchall()}
    if existing == set(statements) and not force:
        return
    for view in existing:
        cursor.execute(f"DROP VIEW IF EXISTS {view} CASCADE")
    for view_statements_ in statements.values():
        for statement in view_statements_:
            cursor.execute(statement)


def _last_views_fingerprint(cursor: Any) -> str | None:
    """The views fingerprint of the publish before this one (this run's row is not yet
    written when the views are checked, see ``_swap_postgres``)."""
    if "views_fingerprint" not in {c for c, _ in _columns(cursor, PUBLICATION_TABLE)}:
        return None
    cursor.execute(
        f"SELECT views_fingerprint FROM {PUBLICATION_TABLE} ORDER BY published_at DESC LIMIT 1"
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _verify_postgres(cursor: Any, publication: Publication, run_id: str) -> None:
    """Inside the transaction, before it commits: every replaced table holds the rows this
    run wrote, and the last publication row is this run's."""
    for name, frame in publication.replace.items():
        cursor.execute(f"SELECT count(*) FROM {name}")
        if cursor.fetchone()[0] != len(frame):
            raise PublishVerificationFailed(f"{name} does not hold run {run_id}'s rows")
    cursor.execute(f"SELECT run_id FROM {PUBLICATION_TABLE} ORDER BY published_at DESC LIMIT 1")
    if cursor.fetchone()[0] != run_id:
        raise PublishVerificationFailed(f"the last publication is not run {run_id}'s")


def grant_bi_reader(cursor: Any) -> bool:
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


def _drop_staging(conn: Any, logger: logging.Logger) -> None:
    """Drop ``staging`` after a publish, whatever became of it (best effort: it is dropped
    again when the next publish starts)."""
    try:
        if conn.closed or conn.broken:
            return
        conn.rollback()
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")
    except Exception as error:  # the original error matters more
        logger.warning(f"publish: could not drop {STAGING}: {type(error).__name__}")
