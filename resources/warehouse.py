"""The warehouse resource: where the curated tables are published, and the hashing secret."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import dagster as dg
import duckdb
import sqlalchemy as sa

from resources.settings import DATA_DIR, DEFAULT_WAREHOUSE_URL, PII_HASH_KEY_ENV
import pandas as pd

from umkm.warehouse import Audit, Publication, publish, published_row_count, read_table

log = logging.getLogger(__name__)
_LOCAL_KEY_FILE = DATA_DIR / ".pii_hash_key"


class Warehouse(dg.ConfigurableResource):
    """A warehouse named by a SQLAlchemy URL (``UMKM_WAREHOUSE_URL``): DuckDB or PostgreSQL.

    ``pii_hash_key`` is the HMAC secret for NIK and phone hashes (``UMKM_PII_HASH_KEY``). Only
    the embedded default warehouse may run without it: a random key is then kept in
    ``data/.pii_hash_key`` (readable by the owner only) so hashes stay stable across runs.
    """

    url: str
    pii_hash_key: str | None = None

    def publish(self, publication: Publication, audit: Audit | None = None) -> None:
        """Write, audit (nothing is published when ``audit`` raises) and publish atomically."""
        publish(self.url, publication, audit)

    def row_count(self, table: str) -> int | None:
        """Rows of a published table, or None before the first run."""
        return published_row_count(self.url, table)

    def read(self, table: str, source: str | None = None,
             columns: tuple[str, ...] | None = None) -> pd.DataFrame | None:
        """A published table (only the rows of ``source`` and the ``columns`` when given), or
        None before the first run. Missing columns (a table of an older release) read as
        None: the caller falls back as if the table were missing."""
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
