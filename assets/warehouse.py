"""The published warehouse: the output contract's tables, swapped in after the run."""

import time
from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from assets.sources import OWNERS
from resources.warehouse import Warehouse
from umkm.entity_resolution import Resolution
from umkm.identity import IdAssignment
from umkm.run import RunRecords, build_publication
from umkm.warehouse import duckdb_path


@dg.asset(group_name="warehouse", kinds={"duckdb", "postgres"}, owners=OWNERS)
def warehouse_tables(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    standardised_records: RunRecords,
    matched_records: Resolution,
    business_ids: IdAssignment,
    golden_businesses: pd.DataFrame,
) -> dg.MaterializeResult:
    """Publish the curated, quality and restricted tables of the run, all at once: businesses,
    their records, attribute provenance, retired ids, match links, id history, quarantine,
    run metrics and delivery log."""
    started = time.perf_counter()
    publication = build_publication(
        standardised_records, matched_records, business_ids, golden_businesses,
        run_id=context.run.run_id,
        started_at=datetime.now(timezone.utc), pii_key=warehouse.hash_key(),
    )
    warehouse.publish(publication)
    path = duckdb_path(warehouse.url)
    where = str(path.resolve()) if path else warehouse.url.split("@")[-1]
    counts = {name: len(frame) for name, frame in
              {**publication.replace, **publication.append}.items()}
    context.log.info(f"published {counts} to {where} in {time.perf_counter() - started:.1f}s")
    return dg.MaterializeResult(metadata={
        "warehouse": where,
        **{f"rows_{name}": n for name, n in counts.items()},
    })
