"""Where the pipeline reads and writes by default, and the environment variables that change it.

Below every other package: the resources (``resources/``), the commands (``umkm.cli``) and the
stages read their defaults here, and this module imports nothing of the project but
``umkm.duckdb_settings``.

``UMKM_LANDING_DIR``: the landing root (default: the demo landing zone under ``data/``, made
on first use). ``UMKM_WAREHOUSE_URL``: a SQLAlchemy URL (default: a DuckDB file under
``data/``). ``UMKM_PII_HASH_KEY``: the secret of the keyed hashes of personal data.
``UMKM_STALE_AFTER_DAYS``: days a source may lag behind the newest delivery before its
freshness check warns (default ``DEFAULT_STALE_AFTER_DAYS``).
``UMKM_WAREHOUSE_LOCK_WAIT``: seconds a run waits for another run's writer lock (default
``DEFAULT_WAIT_SECONDS``).
``UMKM_FILE_MEMO_DIR``: where the outcomes of source files read before are kept (default
``DEFAULT_FILE_MEMO_DIR``; ``off``: none, every file is read every night;
``umkm.ingest.file_memo``).
``UMKM_DUCKDB_MEMORY``, ``UMKM_DUCKDB_THREADS``, ``UMKM_DUCKDB_TEMP_DIR``: DuckDB's memory
limit, threads and spill folder in the job (defaults: ``umkm.duckdb_settings``).
"""

from __future__ import annotations

import os
from pathlib import Path

from umkm.duckdb_settings import DuckDBSettings, memory_bytes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEMO_LANDING_DIR = DATA_DIR / "demo-landing"
DEFAULT_WAREHOUSE_URL = f"duckdb:///{DATA_DIR / 'warehouse.duckdb'}"
#: the outcomes of source files read before, so that an unchanged file is not read again
DEFAULT_FILE_MEMO_DIR = DATA_DIR / "file-memo"
#: charts of the match model and other reports for data engineers
REPORTS_DIR = DATA_DIR / "reports"
#: Great Expectations' Data Docs of the blocking audit before publishing, rebuilt every run
DATA_DOCS_DIR = REPORTS_DIR / "data_docs"
#: days a source may lag behind the newest delivery before its freshness check warns
DEFAULT_STALE_AFTER_DAYS = 7
#: how long a run waits for another run's warehouse lock before it gives up
DEFAULT_WAIT_SECONDS = 600.0

LANDING_DIR_ENV = "UMKM_LANDING_DIR"
WAREHOUSE_URL_ENV = "UMKM_WAREHOUSE_URL"
PII_HASH_KEY_ENV = "UMKM_PII_HASH_KEY"
STALE_AFTER_DAYS_ENV = "UMKM_STALE_AFTER_DAYS"
LOCK_WAIT_ENV = "UMKM_WAREHOUSE_LOCK_WAIT"
FILE_MEMO_DIR_ENV = "UMKM_FILE_MEMO_DIR"
DUCKDB_MEMORY_ENV = "UMKM_DUCKDB_MEMORY"
DUCKDB_THREADS_ENV = "UMKM_DUCKDB_THREADS"
DUCKDB_TEMP_DIR_ENV = "UMKM_DUCKDB_TEMP_DIR"


def landing_dir_from_env() -> str:
    return os.environ.get(LANDING_DIR_ENV) or str(DEMO_LANDING_DIR)


#: the value of ``UMKM_FILE_MEMO_DIR`` that keeps no memo
FILE_MEMO_OFF = "off"


def file_memo_dir_from_env() -> str | None:
    value = os.environ.get(FILE_MEMO_DIR_ENV) or str(DEFAULT_FILE_MEMO_DIR)
    return None if value == FILE_MEMO_OFF else value


def warehouse_url_from_env() -> str:
    return os.environ.get(WAREHOUSE_URL_ENV) or DEFAULT_WAREHOUSE_URL


def duckdb_settings_from_env() -> DuckDBSettings:
    """DuckDB's limits in the job: the environment's, else those for this machine."""
    machine = DuckDBSettings.for_this_machine()
    given = os.environ.get(DUCKDB_THREADS_ENV)
    try:
        threads = int(given) if given else machine.threads
    except ValueError:
        raise ValueError(f"{DUCKDB_THREADS_ENV} must be a whole number, got {given!r}") from None
    memory = os.environ.get(DUCKDB_MEMORY_ENV) or machine.memory_limit
    try:
        memory_bytes(memory)
    except ValueError as error:
        raise ValueError(f"{DUCKDB_MEMORY_ENV}: {error}") from None
    return DuckDBSettings(
        memory_limit=memory,
        threads=threads,
        temp_directory=os.environ.get(DUCKDB_TEMP_DIR_ENV) or None,
    )


def lock_wait_from_env() -> float:
    """Seconds a run waits for another run's warehouse lock (``UMKM_WAREHOUSE_LOCK_WAIT``)."""
    value = os.environ.get(LOCK_WAIT_ENV)
    try:
        return float(value) if value else DEFAULT_WAIT_SECONDS
    except ValueError:
        raise ValueError(f"{LOCK_WAIT_ENV} must be a number of seconds, got {value!r}") from None


def stale_after_days_from_env() -> int:
    value = os.environ.get(STALE_AFTER_DAYS_ENV)
    if not value:
        return DEFAULT_STALE_AFTER_DAYS
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"{STALE_AFTER_DAYS_ENV} must be a whole number of days, got {value!r}"
        ) from None
