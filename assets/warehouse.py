"""The published warehouse: the output contract's tables, swapped in after the run."""


import time
from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from assets.sources import OWNERS
from resources.warehouse import Warehouse
from umkm.run import RunRecords, build_publication
from umkm.warehouse import duckdb_path


@dg.asset(group_name="warehouse", kinds={"duckdb", "postgres"}, owners=OWNERS)
def warehouse_tables(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    standardised_records: RunRecords,
    matched_records: pd.DataFrame,
    golden_businesses: pd.DataFrame,
) -> dg.MaterializeResult:
    """Publish curated.umkm, curated.umkm_source_record, quality.rejected_record,
    quality.run_metrics, quality.source_delivery and the restricted personal data, all at once."""
    started = time.perf_counter()
    publication = build_publication(
        standardised_records, matched_records, golden_businesses, run_id=context.run.run_id,
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
