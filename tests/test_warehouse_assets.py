"""Each published table is an asset of its own, described column by column as the warehouse
comments describe it (``umkm.publish.warehouse_catalog``), and one step publishes them all."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.warehouse import WRITTEN_ON_TRAINING, table_asset_key
from tests.conftest import nightly_definitions, query
from umkm.publish.warehouse_catalog import TABLES

SCHEMAS = ("curated", "quality", "restricted")


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    root = tmp_path_factory.mktemp("defs")
    return nightly_definitions(root / "landing", root / "warehouse.duckdb").resolve_asset_graph()


def test_one_asset_per_published_table_all_made_by_one_step(graph):
    tables = {k for k in graph.get_all_asset_keys() if k.path[0] in SCHEMAS}
    assert tables == {table_asset_key(t) for t in TABLES}
    assert dg.AssetKey("warehouse_tables") not in graph.get_all_asset_keys()
    steps = {graph.get(k).assets_def.node_def.name for k in tables}
    assert steps == {"warehouse_tables"}
    assert not graph.get(table_asset_key("curated.umkm")).assets_def.can_subset  # atomic
    for key in tables:
        assert {"golden_businesses", "matched_records"} <= {
            p.to_user_string() for p in graph.get(key).parent_keys
        }


def test_every_declared_column_has_a_description(graph):
    for table in TABLES:
        node = graph.get(table_asset_key(table))
        assert node.description == TABLES[table].comment
        schema = node.metadata["dagster/column_schema"]
        assert schema.columns, table
        empty = [c.name for c in schema.columns if not c.description]
        assert not empty, f"{table}: no description for {empty}"


@pytest.mark.slow
def test_a_run_materializes_every_table_with_its_columns_described(published_run):
    warehouse, result = published_run
    materialized = {
        m.asset_key: m for m in result.asset_materializations_for_node("warehouse_tables")
    }
    # the first night trains the model, so it writes every table
    assert set(materialized) == {table_asset_key(t) for t in TABLES}
    undescribed = {}
    for table in TABLES:
        metadata = materialized[table_asset_key(table)].metadata
        assert "warehouse" in metadata
        if "dagster/column_schema" in metadata:
            schema = metadata["dagster/column_schema"].schema
            undescribed[table] = [c.name for c in schema.columns if not c.description]
    assert not {t: c for t, c in undescribed.items() if c}
    umkm = materialized[table_asset_key("curated.umkm")].metadata
    assert umkm["dagster/row_count"].value == len(query(warehouse, "SELECT * FROM curated.umkm"))
    assert umkm["audit_success"].value is True
    assert "review_queue_top" in materialized[table_asset_key("quality.review_queue")].metadata
    checks = {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == table_asset_key("curated.umkm")
    }
    assert checks["curated_pandera"].passed and checks["great_expectations"].passed


@pytest.mark.slow
def test_every_published_column_has_a_warehouse_comment(published):
    undescribed = query(
        published,
        """
        SELECT schema_name || '.' || table_name AS table_name, column_name
        FROM duckdb_columns()
        WHERE schema_name IN ('curated', 'quality') AND comment IS NULL
          AND table_name NOT LIKE 'v\\_%' ESCAPE '\\'""",
    )
    assert undescribed.empty, undescribed.to_string()


def test_the_model_tables_may_be_skipped_on_a_night_without_training(graph):
    for table in TABLES:
        spec_skippable = table in WRITTEN_ON_TRAINING
        assert (
            graph.get(table_asset_key(table))
            .assets_def.specs_by_key[table_asset_key(table)]
            .skippable
            == spec_skippable
        )
