"""Automation of the ``nightly`` job: the delivery sensor and the 01:00 catch-up schedule.

The decisions are ``umkm.ingest.delivery_watch``; this module asks the Dagster instance whether a
nightly run is queued or running and which deliveries successful runs processed (the
``umkm/delivery`` tag), and turns a decision into a ``RunRequest``. The sensor's run key is the
delivery folder's name (Dagster never launches a sensor's run key twice). The run queue's tag
concurrency limit on ``umkm/pipeline=nightly`` (``pipelines/dagster.yaml``) keeps schedule,
sensor and manual runs from overlapping as well.
"""

import os
from pathlib import Path

import dagster as dg

from pipelines.jobs import NIGHTLY, NIGHTLY_TAGS
from resources.landing import LandingZone
from umkm.ingest.delivery_watch import (
    DELIVERY_TAG,
    complete_delivery_names,
    delivery_to_request,
    scheduled_delivery,
)

SENSOR_NAME = "new_delivery_sensor"
SCHEDULE_NAME = "nightly_at_0100_wib"
#: ``stopped`` makes the sensor start switched off (e.g. for a UI test); default ``running``
SENSOR_DEFAULT_ENV = "UMKM_DELIVERY_SENSOR_DEFAULT"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
#: how many recent successful nightly runs are asked which delivery they processed
RECENT_RUNS = 50


def nightly_in_flight(instance: dg.DagsterInstance) -> bool:
    """Whether a ``nightly`` run is queued, starting, running or being cancelled."""
    runs = instance.get_run_records(
        filters=dg.RunsFilter(job_name=NIGHTLY, statuses=IN_FLIGHT),
        limit=1,
    )
    return bool(runs)


def processed_deliveries(instance: dg.DagsterInstance) -> frozenset[str]:
    """Deliveries named on the recent successful ``nightly`` runs."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name=NIGHTLY, statuses=[dg.DagsterRunStatus.SUCCESS]),
        limit=RECENT_RUNS,
    )
    return frozenset(
        r.dagster_run.tags[DELIVERY_TAG] for r in records if DELIVERY_TAG in r.dagster_run.tags
    )


def _run_request(delivery: str, run_key: str | None) -> dg.RunRequest:
    return dg.RunRequest(run_key=run_key, tags={**NIGHTLY_TAGS, DELIVERY_TAG: delivery})


def _default_status() -> dg.DefaultSensorStatus:
    stopped = os.environ.get(SENSOR_DEFAULT_ENV, "running").lower() == "stopped"
    return dg.DefaultSensorStatus.STOPPED if stopped else dg.DefaultSensorStatus.RUNNING


def new_delivery_sensor() -> dg.SensorDefinition:
    """The sensor definition (built when the definitions load, so the env var is read then)."""

    @dg.sensor(
        name=SENSOR_NAME,
        job_name=NIGHTLY,
        minimum_interval_seconds=60,
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
        decision = delivery_to_request(
            complete,
            context.cursor,
            nightly_in_flight(context.instance),
            processed_deliveries(context.instance),
        )
        if decision.cursor is not None:
            context.update_cursor(decision.cursor)
        if decision.delivery is None:
            return dg.SkipReason(decision.reason)
        context.log.info(decision.reason)
        return _run_request(decision.delivery, run_key=decision.delivery)

    return watch_deliveries


def nightly_schedule() -> dg.ScheduleDefinition:
    """01:00 Asia/Jakarta: run for the newest complete delivery unless a run processed it."""

    @dg.schedule(
        name=SCHEDULE_NAME,
        job_name=NIGHTLY,
        cron_schedule="0 1 * * *",
        execution_timezone="Asia/Jakarta",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Nightly catch-up at 01:00 WIB: runs for the newest complete delivery "
        "unless a nightly run has processed it or one is queued or running.",
    )
    def nightly_at_0100_wib(context: dg.ScheduleEvaluationContext, landing: LandingZone):
        """Request a nightly run for the newest delivery when none processed it yet."""
        try:
            complete = complete_delivery_names(Path(landing.root))
        except FileNotFoundError as exc:
            return dg.SkipReason(str(exc))
        decision = scheduled_delivery(
            complete, nightly_in_flight(context.instance), processed_deliveries(context.instance)
        )
        if decision.delivery is None:
            return dg.SkipReason(decision.reason)
        return _run_request(decision.delivery, run_key=None)

    return nightly_at_0100_wib
