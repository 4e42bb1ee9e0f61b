"""The ``nightly`` job: every asset, in one process.

Its 01:00 schedule and the delivery sensor are in ``pipelines.sensors``.
"""

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
        NIGHTLY,
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        description="Landing zone to published warehouse tables, every source, once.",
        tags=NIGHTLY_TAGS,
    )
