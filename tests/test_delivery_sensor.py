"""The delivery sensor and the 01:00 schedule: one run per new complete delivery, never
twice, never overlapping."""

from __future__ import annotations

import uuid
from pathlib import Path

import dagster as dg
import pytest

from pipelines.jobs import NIGHTLY, NIGHTLY_TAGS
from pipelines.sensors import DELIVERY_TAG, new_delivery_sensor, nightly_schedule
from resources.landing import LandingZone
from tests.conftest import nightly_definitions
from umkm.ingest.delivery_watch import delivery_to_request, scheduled_delivery


def test_decision_requests_the_newest_new_delivery():
    decision = delivery_to_request(["2026-11-24", "2026-11-26", "2026-11-25"], "2026-11-24", False)
    assert decision.delivery == "2026-11-26"
    assert "2026-11-25" in decision.reason


def test_decision_skips_what_was_requested_and_waits_for_a_running_night():
    assert delivery_to_request(["2026-11-24"], "2026-11-24", False).delivery is None
    assert delivery_to_request([], None, False).delivery is None
    waiting = delivery_to_request(["2026-11-25"], "2026-11-24", True)
    assert waiting.delivery is None and "queued or running" in waiting.reason
    assert delivery_to_request(["2026-11-25"], None, False).delivery == "2026-11-25"


def _delivery(root: Path, name: str, complete: bool = True) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    if complete:
        (folder / "_SUCCESS").touch()


def _evaluate(instance, landing: Path, cursor: str | None):
    sensor = new_delivery_sensor()
    # as a context manager: the context's resources and instance scope end with it
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"landing": LandingZone(root=str(landing))}
    ) as context:
        return sensor.evaluate_tick(context)


def test_sensor_requests_a_run_keyed_by_the_delivery(tmp_path):
    _delivery(tmp_path, "2026-11-24")
    _delivery(tmp_path, "2026-11-25")
    _delivery(tmp_path, "2026-11-26", complete=False)  # still being written
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, tmp_path, None)
        assert [r.run_key for r in result.run_requests] == ["2026-11-25"]
        assert result.run_requests[0].tags[DELIVERY_TAG] == "2026-11-25"
        assert result.cursor == "2026-11-25"
        again = _evaluate(instance, tmp_path, result.cursor)
        assert not again.run_requests and "no delivery newer" in again.skip_message
        (tmp_path / "2026-11-26" / "_SUCCESS").touch()
        newer = _evaluate(instance, tmp_path, result.cursor)
        assert [r.run_key for r in newer.run_requests] == ["2026-11-26"]


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED])
def test_sensor_waits_while_a_nightly_run_is_in_flight(tmp_path, status):
    _delivery(tmp_path, "2026-11-25")
    with dg.instance_for_test() as instance:
        instance.add_run(
            dg.DagsterRun(
                job_name=NIGHTLY, run_id=str(uuid.uuid4()), status=status, tags=NIGHTLY_TAGS
            )
        )
        result = _evaluate(instance, tmp_path, "2026-11-24")
        assert not result.run_requests
        assert "queued or running" in result.skip_message
        assert result.cursor in (None, "2026-11-24")  # the delivery is picked up later


def test_sensor_names_a_missing_landing_zone(tmp_path):
    with dg.instance_for_test() as instance:
        result = _evaluate(instance, tmp_path / "nowhere", None)
    assert not result.run_requests and "nowhere" in result.skip_message


def test_definitions_hold_the_sensor_and_nightly_runs_are_tagged(tmp_path):
    definitions = nightly_definitions(tmp_path, tmp_path / "warehouse.duckdb")
    sensor = definitions.resolve_sensor_def("new_delivery_sensor")
    assert sensor.job_name == NIGHTLY
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert definitions.resolve_job_def(NIGHTLY).tags["umkm/pipeline"] == "nightly"
    yaml_text = (Path(__file__).parent.parent / "pipelines" / "dagster.yaml").read_text()
    assert "umkm/pipeline" in yaml_text and "limit: 1" in yaml_text


def test_a_finished_nightly_run_does_not_hold_back_the_next_delivery(tmp_path):
    _delivery(tmp_path, "2026-11-25")
    with dg.instance_for_test() as instance:
        instance.add_run(
            dg.DagsterRun(
                job_name=NIGHTLY,
                run_id=str(uuid.uuid4()),
                status=dg.DagsterRunStatus.SUCCESS,
                tags=NIGHTLY_TAGS,
            )
        )
        result = _evaluate(instance, tmp_path, "2026-11-24")
    assert [r.run_key for r in result.run_requests] == ["2026-11-25"]


def _finished_run(instance, delivery: str | None, status=dg.DagsterRunStatus.SUCCESS) -> None:
    tags = {**NIGHTLY_TAGS, **({DELIVERY_TAG: delivery} if delivery else {})}
    instance.add_run(
        dg.DagsterRun(job_name=NIGHTLY, run_id=str(uuid.uuid4()), status=status, tags=tags)
    )


def test_decisions_never_ask_for_a_processed_delivery_again():
    processed = frozenset({"2026-11-25"})
    again = delivery_to_request(["2026-11-25"], None, False, processed)
    assert again.delivery is None and again.cursor == "2026-11-25"
    assert scheduled_delivery(["2026-11-25"], False, processed).delivery is None
    assert scheduled_delivery(["2026-11-25"], True, frozenset()).delivery is None
    assert (
        scheduled_delivery(["2026-11-24", "2026-11-25"], False, frozenset({"2026-11-24"})).delivery
        == "2026-11-25"
    )


def _evaluate_schedule(instance, landing: Path):
    with dg.build_schedule_context(
        instance=instance, resources={"landing": LandingZone(root=str(landing))}
    ) as context:
        return nightly_schedule().evaluate_tick(context)


def test_schedule_catches_up_only_on_an_unprocessed_delivery(tmp_path):
    _delivery(tmp_path, "2026-11-25")
    with dg.instance_for_test() as instance:
        first = _evaluate_schedule(instance, tmp_path)
        assert [r.tags[DELIVERY_TAG] for r in first.run_requests] == ["2026-11-25"]
        _finished_run(instance, "2026-11-25", dg.DagsterRunStatus.FAILURE)
        retry = _evaluate_schedule(instance, tmp_path)
        assert len(retry.run_requests) == 1  # a failed run does not count as processed
        _finished_run(instance, "2026-11-25")
        done = _evaluate_schedule(instance, tmp_path)
        assert not done.run_requests and "already processed" in done.skip_message


def test_sensor_skips_a_delivery_the_schedule_processed(tmp_path):
    _delivery(tmp_path, "2026-11-25")
    with dg.instance_for_test() as instance:
        _finished_run(instance, "2026-11-25")
        result = _evaluate(instance, tmp_path, "2026-11-24")
    assert not result.run_requests and result.cursor == "2026-11-25"
