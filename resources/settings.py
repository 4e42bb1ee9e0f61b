"""Where the pipeline reads and writes by default, and the environment variables that change it.

``UMKM_LANDING_DIR``: the landing root (default: the demo landing zone under ``data/``, made
on first use). ``UMKM_WAREHOUSE_URL``: a SQLAlchemy URL (default: a DuckDB file under
``data/``). ``UMKM_PII_HASH_KEY``: the secret of the keyed hashes of personal data.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEMO_LANDING_DIR = DATA_DIR / "demo-landing"
DEFAULT_WAREHOUSE_URL = f"duckdb:///{DATA_DIR / 'warehouse.duckdb'}"
#: charts of the match model and other reports for data engineers
REPORTS_DIR = DATA_DIR / "reports"
#: size of the demo landing zone made on first use
DEMO_BUSINESSES = 2_000
DEMO_DAYS = 3

LANDING_DIR_ENV = "UMKM_LANDING_DIR"
WAREHOUSE_URL_ENV = "UMKM_WAREHOUSE_URL"
PII_HASH_KEY_ENV = "UMKM_PII_HASH_KEY"


def landing_dir_from_env() -> str:
    return os.environ.get(LANDING_DIR_ENV) or str(DEMO_LANDING_DIR)


def warehouse_url_from_env() -> str:
    return os.environ.get(WAREHOUSE_URL_ENV) or DEFAULT_WAREHOUSE_URL
