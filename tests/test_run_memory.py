"""Step outputs are handed over in the run's memory: nothing lands in Dagster's storage, a
source snapshot is let go once read, and a step whose inputs are not in memory says why."""

import dagster as dg

from pipelines.definitions import build_defs
from resources.run_memory import READ_ONCE_IO_MANAGER, RunMemoryIOManager, io_managers


def _graph():
    @dg.asset(io_manager_key=READ_ONCE_IO_MANAGER)
    def snapshot() -> dict:
        return {"owner": "Siti Aminah", "nik": "3671014507800002"}

    @dg.asset
    def records(snapshot: dict) -> list:
        return [snapshot["owner"]]

    @dg.asset
    def golden(records: list) -> int:
        return len(records)

    @dg.asset
    def publish(records: list, golden: int) -> str:
        return f"{golden} of {records}"

    return [snapshot, records, golden, publish]


def test_outputs_pass_between_steps_and_nothing_is_written_to_storage(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize(_graph(), resources=io_managers(), instance=instance)
    assert result.success
    assert result.output_for_node("publish") == "1 of ['Siti Aminah']"
    storage = tmp_path / "storage"
    written = [p.relative_to(storage) for p in storage.rglob("*") if p.is_file()]
    # the instance keeps the steps' console output (compute logs); no output is pickled
    assert [p for p in written if "compute_logs" not in p.parts] == []


def test_a_read_once_output_is_let_go_when_read_and_others_stay():
    manager = RunMemoryIOManager(read_once=True)
    kept = RunMemoryIOManager()
    for each in (manager, kept):
        each.handle_output(dg.build_output_context(step_key="a", name="result", run_id="r"), 42)
    reading = dg.build_input_context(
        upstream_output=dg.build_output_context(step_key="a", name="result", run_id="r")
    )
    assert manager.load_input(reading) == 42 and manager.values == {}
    assert kept.load_input(reading) == 42 and kept.load_input(reading) == 42


def test_a_step_whose_input_is_not_in_memory_names_the_step_and_what_to_do():
    reading = dg.build_input_context(
        upstream_output=dg.build_output_context(step_key="matched_records", name="result")
    )
    try:
        RunMemoryIOManager().load_input(reading)
    except dg.DagsterInvariantViolationError as error:
        assert "matched_records" in str(error) and "run the whole job" in str(error)
    else:
        raise AssertionError("loaded an output that was never stored")


def test_the_nightly_job_hands_every_output_over_in_memory():
    defs = build_defs()
    job = defs.resolve_job_def("nightly")
    for key in ("io_manager", READ_ONCE_IO_MANAGER):
        assert job.resource_defs[key] is io_managers()[key]
    sources = [a for a in defs.resolve_all_asset_specs() if a.group_name == "sources"]
    assert len(sources) == 29
    keys = {
        node.key: node.io_manager_key
        for node in defs.resolve_asset_graph().asset_nodes
        if node.group_name == "sources"
    }
    assert set(keys.values()) == {READ_ONCE_IO_MANAGER}
