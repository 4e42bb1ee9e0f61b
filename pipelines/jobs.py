"""The ``nightly`` job (every asset, one process) and its 01:00 Asia/Jakarta schedule."""

from __future__ import annotations

import dagster as dg

NIGHTLY = "nightly"
#: on every nightly run (schedule, sensor, UI); the run queue lets one such run go at a time
#: (``tag_concurrency_limits`` in ``pipelines/dagster.yaml``)
NIGHTLY_TAGS = {"umkm/pipeline": "nightly"}


def nightly_job() -> dg.UnresolvedAssetJobDefinition:
    """The whole pipeline once. Steps run in one process: 29 source steps would otherwise
    each pay for a Python start-up on a two-core machine."""
    return dg.define_asset_job(
        NIGHTLY, selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
        description="Landing zone to published warehouse tables, every source, once.",
        tags=NIGHTLY_TAGS,
    )


def nightly_schedule() -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_at_0100_wib", job_name=NIGHTLY, cron_schedule="0 1 * * *",
        execution_timezone="Asia/Jakarta", default_status=dg.DefaultScheduleStatus.RUNNING,
    )
