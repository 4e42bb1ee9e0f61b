"""The published warehouse: the output contract's tables, written, audited by blocking checks
(pandera and Great Expectations) and only then swapped in atomically.

One step, ``warehouse_tables``, publishes every table at once (write-audit-publish); each
table is an asset of its own (``curated/umkm``, ``quality/rejected_record``, ...), one
``AssetSpec`` per table of ``umkm.publish.warehouse_catalog.TABLES``, so lineage and the UI
show the tables by name. Their column schemas carry the warehouse comments as descriptions.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pandas as pd

from assets.checks import AUDIT_CHECK_SPECS, AUDITED_ASSET, audit_check_results
from assets.metadata import COLUMN_SCHEMA_KEY, checks_markdown, frame_table, published_table_schema
from assets.sources import OWNERS
from resources.engine import DuckDBEngine
from resources.warehouse import Warehouse
from umkm.publish.assemble import RunRecords, build_publication
from umkm.publish.audit import AuditFailed, AuditResult, PublicationAudit, RowCountBounds
from umkm.publish.warehouse import PUBLICATION_TABLE, display_url
from umkm.publish.warehouse_catalog import TABLES
from umkm.resolution.identity import IdAssignment
from umkm.resolution.resolve import Resolution
from umkm.resolution.splink_model import FREQUENCY_TABLE
from umkm.settings import DATA_DOCS_DIR

#: the tables a night writes only when it trains the match model
WRITTEN_ON_TRAINING = frozenset({"quality.match_model", FREQUENCY_TABLE})
#: the assets the publish reads
UPSTREAM = ("standardised_records", "matched_records", "business_ids", "golden_businesses")


def table_asset_key(table: str) -> dg.AssetKey:
    """The asset of a published table: ``curated.umkm`` is ``curated/umkm``."""
    return dg.AssetKey(table.split("."))


def table_asset_spec(table: str) -> dg.AssetSpec:
    """The asset of one published table, described as the warehouse describes it."""
    return dg.AssetSpec(
        table_asset_key(table),
        description=TABLES[table].comment,
        group_name="warehouse",
        kinds={"duckdb", "postgres"},
        owners=OWNERS,
        deps=list(UPSTREAM),
        skippable=table in WRITTEN_ON_TRAINING,
        metadata={"dagster/table_name": table, COLUMN_SCHEMA_KEY: published_table_schema(table)},
        tags={"umkm/schema": table.split(".")[0]},
    )


class PublishConfig(dg.Config):
    """Launch-time bounds of the blocking audit: the run's number of businesses must lie
    between these fractions of the previously published count (widen them in the Launchpad
    for a deliberate large change)."""

    min_business_ratio: float = 0.5
    max_business_ratio: float = 2.0


@dg.multi_asset(
    name="warehouse_tables",
    specs=[table_asset_spec(t) for t in TABLES],
    check_specs=AUDIT_CHECK_SPECS,
    can_subset=False,
)
def warehouse_tables(
    context: dg.AssetExecutionContext,
    config: PublishConfig,
    warehouse: Warehouse,
    engine: DuckDBEngine,
    standardised_records: RunRecords,
    matched_records: Resolution,
    business_ids: IdAssignment,
    golden_businesses: pd.DataFrame,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Publish the curated, quality and restricted tables of the run, all at once: businesses,
    their records, attribute provenance, retired ids, match links, id history, quarantine,
    run metrics, delivery log, the stewards' review queue and the source scorecard. The
    tables are written out of readers' sight, audited (pandera models of the curated tables
    and a Great Expectations suite, Data Docs under data/reports/data_docs) and swapped in
    only when every check passes; otherwise the previously published tables stay as they
    were."""
    started = time.perf_counter()
    publication = build_publication(
        standardised_records,
        matched_records,
        business_ids,
        golden_businesses,
        run_id=context.run.run_id,
        started_at=datetime.now(UTC),
        pii_key=warehouse.hash_key(),
    )
    context.log.info(f"tables of the run built in {time.perf_counter() - started:.1f}s")
    where = display_url(warehouse.url)
    audit = PublicationAudit(
        previous_umkm_count=warehouse.row_count("curated.umkm"),
        docs_dir=DATA_DOCS_DIR,
        bounds=RowCountBounds(config.min_business_ratio, config.max_business_ratio),
    )
    try:
        warehouse.publish(publication, audit=audit, duckdb_settings=engine.settings())
    except AuditFailed as failed:
        context.log.error(f"nothing published to {where}: {failed}")
        yield from audit_check_results(audit.result)  # the failed checks show in the UI
        raise
    counts = {
        name: len(frame) for name, frame in {**publication.replace, **publication.append}.items()
    }
    context.log.info(f"published {counts} to {where} in {time.perf_counter() - started:.1f}s")
    extra: dict[str, dict[str, Any]] = {
        "curated.umkm": audit_metadata(audit.result),
        "quality.review_queue": review_queue_metadata(publication.replace["quality.review_queue"]),
        "quality.source_scorecard": {
            "source_scorecard": frame_table(
                publication.append["quality.source_scorecard"].drop(
                    columns=["run_id", "run_started_at"]
                )
            )
        },
    }
    for table in TABLES:
        if table == PUBLICATION_TABLE:  # the publish writes its one row itself
            metadata: dict[str, Any] = {"rows_appended": 1}
        elif table in publication.replace:
            frame = publication.replace[table]
            metadata = {
                "dagster/row_count": len(frame),
                COLUMN_SCHEMA_KEY: published_table_schema(table, frame),
            }
        elif table in publication.append:
            frame = publication.append[table]
            metadata = {
                "rows_appended": len(frame),
                COLUMN_SCHEMA_KEY: published_table_schema(table, frame),
            }
        else:
            continue  # not written tonight (the model's tables when it was not trained)
        key = table_asset_key(table)
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"warehouse": where, **metadata, **extra.get(table, {})},
            check_results=audit_check_results(audit.result) if key == AUDITED_ASSET else None,
        )


def review_queue_metadata(queue: pd.DataFrame) -> dict[str, Any]:
    """The stewards' queue tonight: its size and its ten most important items."""
    return {
        "review_queue_items": len(queue),
        "review_queue_top": frame_table(
            queue.head(10)[
                [
                    "rank",
                    "review_id",
                    "kind",
                    "impact",
                    "left_business_name",
                    "right_business_name",
                    "probability",
                    "question",
                ]
            ].astype(str)
        ),
    }


def audit_metadata(result: AuditResult | None) -> dict[str, Any]:
    """The audit's outcome as asset metadata: pass/fail, a table of checks, the Data Docs."""
    if result is None:
        return {}
    metadata: dict[str, Any] = {
        "audit_success": result.success,
        "audit_checks": dg.MetadataValue.md(checks_markdown(result.checks)),
    }
    if result.data_docs_path is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(result.data_docs_path))
    return metadata
