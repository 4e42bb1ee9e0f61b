"""The quiet console of ``scripts/nightly`` (``pipelines.console``): a line per step with the
records in and out its materializations report, read from the run's events."""

from __future__ import annotations

import io

import dagster as dg

from pipelines.console import Progress, step_figures
from tests.test_dagster_ui_surface import _run_with_downstream, tiny_landing  # noqa: F401


def test_step_figures_read_the_metadata_of_each_kind_of_step():
    assert (
        step_figures(
            [
                (
                    "source_oss",
                    {
                        "records_read": dg.MetadataValue.int(10),
                        "records_accepted": 8,
                        "records_quarantined": 2,
                    },
                )
            ]
        )
        == "10 read -> 8 accepted, 2 quarantined"
    )
    assert (
        step_figures([("matched_records", {"records": 4_746, "businesses": 1_926})])
        == "4,746 records -> 1,926 businesses"
    )
    assert step_figures([("golden_businesses", {"businesses": 5})]) == "5 businesses"
    tables = [
        ("curated/umkm", {"dagster/row_count": dg.MetadataValue.int(7)}),
        ("quality/rejected_record", {"dagster/row_count": 2}),
    ]
    assert step_figures(tables) == "2 tables, curated.umkm 7 rows"
    assert step_figures([]) == ""


def test_a_line_per_finished_step_with_its_figures_and_its_first_error(tiny_landing):  # noqa: F811

    with dg.instance_for_test() as instance:
        result = _run_with_downstream(tiny_landing, "registry_3671", instance)
        out = io.StringIO()
        Progress(instance, out).poll(result.run_id)
    lines = out.getvalue().splitlines()
    (source,) = [line for line in lines if "source_registry_3671 " in line]
    assert " read -> " in source and " accepted" in source and source.endswith("s")
    assert any(line.lstrip().startswith("downstream") for line in lines)
    assert len(lines) == 2, lines  # nothing else: no DEBUG events
