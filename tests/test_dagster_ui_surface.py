"""What the Dagster UI shows: descriptions, owners, kinds, groups, column schemas and checks on
every asset, and blocking checks that stop a run when a source file is wrong."""

from __future__ import annotations

import re

import dagster as dg
import pandas as pd
import pytest

from assets.checks import audit_check_results
from assets.sources import build_source_asset
from resources.landing import LandingZone
from resources.run_memory import io_managers
from resources.warehouse import Warehouse
from schemas.catalog import SOURCES, SOURCES_BY_KEY
from tests.conftest import nightly_definitions
from umkm.demo import generate_landing_zone
from umkm.health.record_balance import record_balance
from umkm.health.register_summary import (
    businesses_per_kabupaten_kota,
    platform_overlap,
    platform_pairs,
)
from umkm.publish.audit import AuditResult, CheckResult
from umkm.publish.warehouse_catalog import TABLES


@pytest.fixture(scope="module")
def definitions(tmp_path_factory):
    root = tmp_path_factory.mktemp("empty")
    return nightly_definitions(root / "landing", root / "warehouse.duckdb")


def test_every_asset_has_description_owners_kinds_and_group(definitions):
    graph = definitions.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    assert len(keys) == len(SOURCES) + 4 + len(TABLES)  # a published table is an asset
    for key in keys:
        node = graph.get(key)
        assert node.description and len(node.description) > 20, key
        assert node.owners == ["team:data-engineering"], key
        assert node.kinds, key
        assert node.group_name in ("sources", "entities", "warehouse"), key


def test_column_schemas_and_checks_are_declared(definitions):
    graph = definitions.resolve_asset_graph()
    for name in ("source_oss", "standardised_records"):
        schema = graph.get(dg.AssetKey(name)).metadata["dagster/column_schema"]
        assert "source_record_id" in {c.name for c in schema.columns}
    curated = graph.get(dg.AssetKey(["curated", "umkm"])).metadata["dagster/column_schema"]
    columns = {c.name: c for c in curated.columns}
    assert {"umkm_id", "sector", "kbli_section"} <= set(columns)
    assert "owner_nik_hash" not in columns
    assert all(c.description for c in columns.values())  # from the pandera model
    assert "no personal data columns" in curated.constraints.other
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for spec in SOURCES:
        for check in ("raw_schema", "conservation", "freshness"):
            assert (f"source_{spec.key}", check) in checks
    assert ("business_ids", "id_churn") in checks
    assert ("business_ids", "every_record_accounted_for") in checks
    assert ("curated/umkm", "great_expectations") in checks
    assert ("curated/umkm", "curated_pandera") in checks
    job_checks = definitions.resolve_job_def("nightly").asset_layer.asset_graph.asset_check_keys
    assert {(k.asset_key.to_user_string(), k.name) for k in job_checks} >= checks


@pytest.fixture(scope="module")
def tiny_landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_landing")
    generate_landing_zone(root, businesses=150, days=1, seed=5)
    return root


def _break_record_keys(landing) -> None:
    """Turn every record key of Kota Tangerang's R2 export into a shape the schema refuses."""
    (path,) = landing.glob("*/registry/umkm_3671_kota_tangerang.csv")
    text = path.read_bytes().decode("cp1252")
    path.write_bytes(re.sub(r"(?m)^(\d+);", r"KEY-\1;", text).encode("cp1252"))


def _resources(landing, **landing_options) -> dict:
    """The landing zone, a warehouse that holds nothing yet (no archive to fall back on), and
    the job's IO managers."""
    return {
        "landing": LandingZone(root=str(landing), **landing_options),
        "warehouse": Warehouse(url=f"duckdb:///{landing}/never-published.duckdb"),
        **io_managers(),
    }


def _run_with_downstream(landing, key: str, instance=None) -> dg.ExecuteInProcessResult:
    source = build_source_asset(SOURCES_BY_KEY[key])

    @dg.asset(deps=[source])
    def downstream() -> None:
        """Stands for everything after the source."""

    return dg.materialize(
        [source, downstream], raise_on_error=False, instance=instance, resources=_resources(landing)
    )


def test_a_healthy_source_passes_its_checks_and_reports_counts(tiny_landing):
    result = _run_with_downstream(tiny_landing, "registry_3671")
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(checks) == {"raw_schema", "conservation", "freshness"}
    assert all(e.passed for e in checks.values())
    assert checks["freshness"].metadata["status"].value == "fresh"
    (materialization,) = [m for m in result.asset_materializations_for_node("source_registry_3671")]
    metadata = materialization.metadata
    assert metadata["records_read"].value == (
        metadata["records_accepted"].value + metadata["records_quarantined"].value
    )
    assert metadata["snapshot_date"].value != "none"


def test_a_source_file_with_a_changed_layout_is_held_and_the_night_goes_on(tiny_landing, tmp_path):
    import shutil

    landing = tmp_path / "landing"
    shutil.copytree(tiny_landing, landing)
    _break_record_keys(landing)
    result = _run_with_downstream(landing, "registry_3671")
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    schema = checks["raw_schema"]
    assert not schema.passed and schema.severity == dg.AssetCheckSeverity.WARN
    assert "held at" in schema.description and "fail the raw schema" in schema.description
    assert checks["conservation"].passed
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "downstream" in materialized


def test_a_retired_platform_is_marked_retired_not_stale(tiny_landing):
    result = dg.materialize(
        [build_source_asset(SOURCES_BY_KEY["jdid"])],
        resources=_resources(tiny_landing, stale_after_days=0),
    )
    (freshness,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "freshness"]
    assert freshness.passed and freshness.metadata["status"].value == "retired"


def _golden() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "umkm_id": ["A", "B", "C", "D"],
            "platforms": ["Shopee,Tokopedia", "Tokopedia", "", "Shopee,TikTok Shop,Tokopedia"],
            "platform_count": [2, 1, 0, 3],
            "in_regional_registry": [True, False, True, False],
            "is_registered": [True, False, False, True],
            "sells_online": [True, True, False, True],
            "kab_code": ["3671", "3671", None, "3601"],
            "kab_name": ["Kota Tangerang", "Kota Tangerang", None, "Kabupaten Pandeglang"],
        }
    )


def test_platform_overlap_pairs_and_businesses_per_kabupaten_kota():
    overlap = platform_overlap(_golden()).set_index("platform")
    assert overlap.loc["Tokopedia"].to_dict() == {
        "businesses": 3,
        "only_this_platform": 1,
        "also_other_platforms": 2,
        "in_regional_registry": 1,
        "with_nib": 2,
    }
    pairs = platform_pairs(_golden())
    assert pairs.iloc[0].to_dict() == {
        "platform_a": "Shopee",
        "platform_b": "Tokopedia",
        "businesses": 2,
    }
    per_kab = businesses_per_kabupaten_kota(_golden())
    assert list(per_kab["kab_code"]) == ["3601", "3671", "(tidak diketahui)"]  # counted, last
    assert list(per_kab["businesses"]) == [1, 2, 1]


def test_record_balance_names_lost_and_doubled_records():
    accepted = pd.DataFrame({"source": ["a", "a", "b"], "source_record_id": ["1", "2", "1"]})
    ok = record_balance(5, accepted, 2, accepted, pd.Series(["U1", "U1", "U2"]))
    assert ok.holds
    lost = record_balance(5, accepted, 2, accepted.head(2), pd.Series(["U1", "U1"]))
    assert not lost.holds and "1 lost" in lost.problems[0]
    unbalanced = record_balance(6, accepted, 2, accepted, pd.Series(["U1", None, "U2"]))
    assert len(unbalanced.problems) == 2


def test_the_audit_shows_as_a_pandera_and_a_great_expectations_check(tmp_path):
    docs = tmp_path / "index.html"
    result = AuditResult(
        [
            CheckResult("pandera curated.umkm", True, {"rows": 3}),
            CheckResult("curated_umkm: expect_column_values_to_be_unique (umkm_id)", True, {}),
            CheckResult(
                "curated_umkm: expect_table_row_count_to_be_between",
                False,
                {"observed_value": 3, "min_value": 10},
            ),
        ],
        data_docs_path=docs,
    )
    pandera, expectations = audit_check_results(result)
    assert pandera.check_name == "curated_pandera" and pandera.passed
    assert expectations.check_name == "great_expectations" and not expectations.passed
    assert "row_count" in expectations.description
    assert expectations.metadata["data_docs"].value == str(docs)
    assert expectations.metadata["failed"].value == 1
    assert audit_check_results(None) == []


def test_a_missing_source_file_is_named_in_the_log_and_does_not_block(tiny_landing, tmp_path):
    import shutil

    landing = tmp_path / "landing"
    shutil.copytree(tiny_landing, landing)
    for path in landing.glob("*/marketplace/shopee_shops.csv"):
        path.unlink()
    with dg.instance_for_test() as instance:
        result = _run_with_downstream(landing, "shopee", instance)
        errors = [
            r.user_message
            for r in instance.all_logs(result.run_id)
            if r.dagster_event is None and r.level >= 40
        ]  # context.log.error
    assert result.success  # one source never stops the night
    assert any(
        "shopee" in m and "marketplace/shopee_shops.csv" in m and str(landing) in m for m in errors
    ), errors
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["raw_schema"].passed
    assert checks["raw_schema"].severity == dg.AssetCheckSeverity.WARN
    assert "shopee_shops.csv" in checks["raw_schema"].description
    assert checks["freshness"].metadata["status"].value == "missing"
