"""The Dagster entry point: ``dagster dev`` and ``dagster job execute -m pipelines.definitions``.

``defs`` is what the workspace loads: the assets, checks, the nightly job, its schedule and
sensor, and resources configured from the environment (``umkm.settings``). ``build_defs``
builds the same Definitions with some resources replaced, so that a test or a script runs the
job against its own landing zone and warehouse without setting environment variables::

    build_defs({"landing": LandingZone(root=...), "warehouse": Warehouse(url=..., ...)})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

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
from resources.run_memory import io_managers
from resources.warehouse import Warehouse
from umkm.settings import (
    PII_HASH_KEY_ENV,
    WAREHOUSE_URL_ENV,
    duckdb_settings_from_env,
    file_memo_dir_from_env,
    landing_dir_from_env,
    lock_wait_from_env,
    stale_after_days_from_env,
    warehouse_url_from_env,
)


def resources_from_env() -> dict[str, Any]:
    """The resources as the environment configures them (``landing``, ``warehouse``,
    ``engine``); nothing is read or generated until a run uses them."""
    engine = duckdb_settings_from_env()
    landing_root = landing_dir_from_env()
    # the demo landing zone under data/ (the default) generates itself on first use
    landing = DemoLandingZone if is_demo_landing(landing_root) else LandingZone
    return {
        "landing": landing(
            root=landing_root,
            stale_after_days=stale_after_days_from_env(),
            file_memo_dir=file_memo_dir_from_env(),
        ),
        "warehouse": Warehouse(
            # from the environment as EnvVars: the URL's password and the key are shown
            # nowhere in the UI (only the variables' names)
            url=dg.EnvVar(WAREHOUSE_URL_ENV)
            if os.environ.get(WAREHOUSE_URL_ENV)
            else warehouse_url_from_env(),
            pii_hash_key=dg.EnvVar(PII_HASH_KEY_ENV) if os.environ.get(PII_HASH_KEY_ENV) else None,
            lock_wait_seconds=lock_wait_from_env(),
        ),
        "engine": DuckDBEngine(
            memory_limit=engine.memory_limit,
            threads=engine.threads,
            temp_directory=engine.temp_directory,
        ),
    }


def build_defs(overrides: Mapping[str, Any] | None = None) -> dg.Definitions:
    """Assets, checks, the nightly job, schedule and sensor, with the environment's resources
    except those named in ``overrides`` (resource key -> resource)."""
    unknown = set(overrides or {}) - {"landing", "warehouse", "engine"}
    if unknown:
        raise ValueError(f"no resource named {', '.join(sorted(unknown))}")
    return dg.Definitions(
        assets=[
            *source_assets(),
            standardised_records,
            matched_records,
            business_ids,
            golden_businesses,
            warehouse_tables,
        ],
        asset_checks=run_checks(),
        jobs=[nightly_job()],
        schedules=[nightly_schedule()],
        sensors=[new_delivery_sensor()],
        resources={**resources_from_env(), **io_managers(), **(overrides or {})},
    )


defs = build_defs()
