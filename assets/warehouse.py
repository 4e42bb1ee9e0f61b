"""The published warehouse: the output contract's tables, written, audited by blocking checks
(pandera and Great Expectations) and only then swapped in atomically."""

import time
from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from assets.checks import AUDIT_CHECK_SPECS, audit_check_results
from assets.metadata import checks_markdown, column_schema, column_schema_metadata, frame_table
from assets.sources import OWNERS
from resources.engine import DuckDBEngine
from resources.warehouse import Warehouse
from schemas.curated import CuratedSourceRecord, CuratedUmkm
from umkm.publish.assemble import RunRecords, build_publication
from umkm.publish.audit import AuditFailed, AuditResult, PublicationAudit, RowCountBounds
from umkm.publish.warehouse import display_url
from umkm.resolution.identity import IdAssignment
from umkm.resolution.resolve import Resolution
from umkm.settings import DATA_DOCS_DIR


class PublishConfig(dg.Config):
    """Launch-time bounds of the blocking audit: the run's number of businesses must lie
    between these fractions of the previously published count (widen them in the Launchpad
    for a deliberate large change)."""

    min_business_ratio: float = 0.5
    max_business_ratio: float = 2.0


@dg.asset(group_name="warehouse", kinds={"duckdb", "postgres"}, owners=OWNERS,
          check_specs=AUDIT_CHECK_SPECS, metadata={
              **column_schema_metadata(CuratedUmkm),  # curated.umkm, the main table
              "columns of curated.umkm_source_record": dg.MetadataValue.table_schema(
                  column_schema(CuratedSourceRecord)),
          })
def warehouse_tables(
    context: dg.AssetExecutionContext,
    config: PublishConfig,
    warehouse: Warehouse,
    engine: DuckDBEngine,
    standardised_records: RunRecords,
    matched_records: Resolution,
    business_ids: IdAssignment,
    golden_businesses: pd.DataFrame,
):
    """Publish the curated, quality and restricted tables of the run, all at once: businesses,
    their records, attribute provenance, retired ids, match links, id history, quarantine,
    run metrics, delivery log, the stewards' review queue and the source scorecard. The tables are written out of readers' sight, audited
    (pandera models of the curated tables and a Great Expectations suite, Data Docs under
    data/reports/data_docs) and swapped in only when every check passes; otherwise the
    previously published tables stay as they were."""
    started = time.perf_counter()
    publication = build_publication(
        standardised_records, matched_records, business_ids, golden_businesses,
        run_id=context.run.run_id,
        started_at=datetime.now(timezone.utc), pii_key=warehouse.hash_key(),
    )
    where = display_url(warehouse.url)
    audit = PublicationAudit(
        previous_umkm_count=warehouse.row_count("curated.umkm"), docs_dir=DATA_DOCS_DIR,
        bounds=RowCountBounds(config.min_business_ratio, config.max_business_ratio),
    )
    try:
        warehouse.publish(publication, audit=audit, duckdb_settings=engine.settings())
    except AuditFailed as failed:
        context.log.error(f"nothing published to {where}: {failed}")
        yield from audit_check_results(audit.result)  # the failed checks show in the UI
        raise
    counts = {name: len(frame) for name, frame in
              {**publication.replace, **publication.append}.items()}
    context.log.info(f"published {counts} to {where} in {time.perf_counter() - started:.1f}s")
    queue = publication.replace["quality.review_queue"]
    scorecard = publication.append["quality.source_scorecard"]
    yield dg.MaterializeResult(metadata={
        "warehouse": where,
        "review_queue_items": len(queue),
        "review_queue_top": frame_table(queue.head(10)[[
            "rank", "review_id", "kind", "impact", "left_business_name",
            "right_business_name", "probability", "question"]].astype(str)),
        "source_scorecard": frame_table(scorecard.drop(columns=["run_id", "run_started_at"])),
        **{f"rows_{name}": n for name, n in counts.items()},
        **audit_metadata(audit.result),
    }, check_results=audit_check_results(audit.result))


def audit_metadata(result: AuditResult | None) -> dict:
    """The audit's outcome as asset metadata: pass/fail, a table of checks, the Data Docs."""
    if result is None:
        return {}
    metadata = {
        "audit_success": result.success,
        "audit_checks": dg.MetadataValue.md(checks_markdown(result.checks)),
    }
    if result.data_docs_path is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(result.data_docs_path))
    return metadata
