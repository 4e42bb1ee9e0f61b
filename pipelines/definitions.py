"""The Dagster entry point: ``dagster dev`` and ``dagster job execute -m pipelines.definitions``."""

from __future__ import annotations

import os

import dagster as dg

from assets.checks import run_checks
from assets.entities import (
    business_ids,
    golden_businesses,
    matched_records,
    standardised_records,
)
from assets.sources import source_assets
from assets.warehouse import warehouse_tables
from pipelines.jobs import nightly_job
from pipelines.sensors import new_delivery_sensor, nightly_schedule
from resources.demo_landing import DemoLandingZone, is_demo_landing
from resources.engine import DuckDBEngine
from resources.landing import LandingZone
from resources.warehouse import Warehouse
from umkm.settings import (
    PII_HASH_KEY_ENV,
    WAREHOUSE_URL_ENV,
    duckdb_settings_from_env,
    landing_dir_from_env,
    lock_wait_from_env,
    stale_after_days_from_env,
    warehouse_url_from_env,
)


@dg.definitions
def defs() -> dg.Definitions:
    """Assets, the nightly job and schedule, and resources configured from the environment."""
    engine = duckdb_settings_from_env()
    landing_root = landing_dir_from_env()
    # the demo landing zone under data/ (the default) generates itself on first use
    landing = DemoLandingZone if is_demo_landing(landing_root) else LandingZone
    return dg.Definitions(
        assets=[*source_assets(), standardised_records, matched_records, business_ids,
                golden_businesses, warehouse_tables],
        asset_checks=run_checks(),
        jobs=[nightly_job()],
        schedules=[nightly_schedule()],
        sensors=[new_delivery_sensor()],
        resources={
            "landing": landing(root=landing_root, stale_after_days=stale_after_days_from_env()),
            "warehouse": Warehouse(
                # from the environment as EnvVars: the URL's password and the key are shown
                # nowhere in the UI (only the variables' names)
                url=dg.EnvVar(WAREHOUSE_URL_ENV) if os.environ.get(WAREHOUSE_URL_ENV)
                else warehouse_url_from_env(),
                pii_hash_key=dg.EnvVar(PII_HASH_KEY_ENV) if os.environ.get(PII_HASH_KEY_ENV)
                else None,
                lock_wait_seconds=lock_wait_from_env(),
            ),
            "engine": DuckDBEngine(memory_limit=engine.memory_limit, threads=engine.threads,
                                   temp_directory=engine.temp_directory),
        },
    )
