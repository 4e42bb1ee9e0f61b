"""The warehouse resource: where the curated tables are published, and the hashing secret."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import sqlalchemy as sa
from pydantic import PrivateAttr

from umkm.duckdb_settings import DuckDBSettings
from umkm.publish.warehouse import Audit, Publication, publish, published_row_count, read_table
from umkm.publish.warehouse_lock import WarehouseLock
from umkm.settings import DATA_DIR, DEFAULT_WAIT_SECONDS, DEFAULT_WAREHOUSE_URL, PII_HASH_KEY_ENV

log = logging.getLogger(__name__)
_LOCAL_KEY_FILE = DATA_DIR / ".pii_hash_key"
#: the writer locks this process holds, per warehouse URL and run
_HELD_LOCKS: dict[tuple[str, str | None], WarehouseLock] = {}


class Warehouse(dg.ConfigurableResource):
    """A warehouse named by a SQLAlchemy URL (``UMKM_WAREHOUSE_URL``): DuckDB or PostgreSQL.

    ``pii_hash_key`` is the HMAC secret for NIK and phone hashes (``UMKM_PII_HASH_KEY``). Only
    the embedded default warehouse may run without it: a random key is then kept in
    ``data/.pii_hash_key`` (readable by the owner only) so hashes stay stable across runs.

    In a run, the first read takes the warehouse's writer lock (``umkm.publish.warehouse_lock``) and
    the run holds it to the end of its publish: one run at a time reads, decides and publishes.
    A second run waits up to ``lock_wait_seconds``, then fails naming the holder.
    """

    url: str
    pii_hash_key: str | None = None
    lock_wait_seconds: float = DEFAULT_WAIT_SECONDS
    _run_id: str | None = PrivateAttr(default=None)
    _log: object = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run.run_id if context.run else None
        self._log = context.log

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        lock = _HELD_LOCKS.pop((self.url, self._run_id), None)
        if lock is not None:
            lock.release()

    def _hold_lock(self) -> WarehouseLock | None:
        """This run's writer lock, taken on first use (outside a run: none)."""
        if self._run_id is None:
            return None
        lock = _HELD_LOCKS.get((self.url, self._run_id))
        if lock is None:
            lock = WarehouseLock(self.url, self._run_id, self.lock_wait_seconds, self._log)
            lock.acquire()
            _HELD_LOCKS[(self.url, self._run_id)] = lock
        return lock

    def publish(
        self,
        publication: Publication,
        audit: Audit | None = None,
        duckdb_settings: DuckDBSettings | None = None,
    ) -> None:
        """Write, audit (nothing is published when ``audit`` raises) and publish atomically,
        as this run (its own building file, verified before it goes live); the lock is given
        back once published."""
        self._hold_lock()
        try:
            publish(
                self.url,
                publication,
                audit,
                run_id=self._run_id or "outside-a-run",
                logger=self._log,
                duckdb_settings=duckdb_settings,
            )
        finally:
            lock = _HELD_LOCKS.pop((self.url, self._run_id), None)
            if lock is not None:
                lock.release()

    def row_count(self, table: str) -> int | None:
        """Rows of a published table, or None before the first run."""
        self._hold_lock()
        return published_row_count(self.url, table)

    def read(
        self, table: str, source: str | None = None, columns: tuple[str, ...] | None = None
    ) -> pd.DataFrame | None:
        """A published table (only the rows of ``source`` and the ``columns`` when given), or
        None before the first run. Missing columns (a table of an older release) read as
        None: the caller falls back as if the table were missing."""
        self._hold_lock()
        try:
            return read_table(self.url, table, source, columns)
        except (duckdb.BinderException, sa.exc.ProgrammingError):
            if columns is None:
                raise
            return None

    def hash_key(self) -> bytes:
        if self.pii_hash_key:
            return self.pii_hash_key.encode()
        if self.url != DEFAULT_WAREHOUSE_URL:
            raise RuntimeError(
                f"{PII_HASH_KEY_ENV} is not set: a warehouse other than the embedded demo "
                "default needs the secret for hashing personal data"
            )
        return _local_demo_key(_LOCAL_KEY_FILE)


def _local_demo_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
        log.warning(f"{PII_HASH_KEY_ENV} is not set: using a random local key kept in {path}")
    return path.read_text().strip().encode()
