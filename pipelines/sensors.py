"""The delivery sensor: start the ``nightly`` job when a new complete delivery lands.

The decision is ``umkm.delivery_watch.delivery_to_request``; this module only asks the Dagster
instance whether a nightly run is queued or running and turns the decision into a
``RunRequest`` whose run key is the delivery folder's name (Dagster never launches a run key
twice, so a delivery is never processed twice). The run queue's tag concurrency limit on
``umkm/pipeline=nightly`` (``pipelines/dagster.yaml``) keeps schedule, sensor and manual runs
from overlapping as well.
"""

import os
from pathlib import Path

import dagster as dg

from pipelines.jobs import NIGHTLY, NIGHTLY_TAGS
from resources.landing import LandingZone
from umkm.delivery_watch import complete_delivery_names, delivery_to_request

SENSOR_NAME = "new_delivery_sensor"
#: ``stopped`` makes the sensor start switched off (e.g. for a UI test); default ``running``
SENSOR_DEFAULT_ENV = "UMKM_DELIVERY_SENSOR_DEFAULT"
DELIVERY_TAG = "umkm/delivery"
IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
             dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
             dg.DagsterRunStatus.CANCELING]


def nightly_in_flight(instance: dg.DagsterInstance) -> bool:
    """Whether a ``nightly`` run is queued, starting, running or being cancelled."""
    runs = instance.get_run_records(
        filters=dg.RunsFilter(job_name=NIGHTLY, statuses=IN_FLIGHT), limit=1,
    )
    return bool(runs)


def _default_status() -> dg.DefaultSensorStatus:
    stopped = os.environ.get(SENSOR_DEFAULT_ENV, "running").lower() == "stopped"
    return dg.DefaultSensorStatus.STOPPED if stopped else dg.DefaultSensorStatus.RUNNING


def new_delivery_sensor() -> dg.SensorDefinition:
    """The sensor definition (built when the definitions load, so the env var is read then)."""

    @dg.sensor(
        name=SENSOR_NAME, job_name=NIGHTLY, minimum_interval_seconds=60,
        default_status=_default_status(),
        description="Starts the nightly job once per new complete delivery (a YYYY-MM-DD "
                    "folder with _SUCCESS); never while a nightly run is queued or running.",
    )
    def watch_deliveries(context: dg.SensorEvaluationContext, landing: LandingZone):
        """Request a nightly run for the newest complete delivery not yet requested."""
        try:
            complete = complete_delivery_names(Path(landing.root))
        except FileNotFoundError as exc:
            return dg.SkipReason(str(exc))
        decision = delivery_to_request(complete, context.cursor,
                                       nightly_in_flight(context.instance))
        if decision.delivery is None:
            return dg.SkipReason(decision.reason)
        context.log.info(decision.reason)
        context.update_cursor(decision.delivery)
        return dg.RunRequest(run_key=decision.delivery,
                             tags={**NIGHTLY_TAGS, DELIVERY_TAG: decision.delivery})

    return watch_deliveries
