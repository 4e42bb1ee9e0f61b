"""Assets from source snapshots to businesses: all records, strong-key matches, golden records."""


import time

import dagster as dg
import pandas as pd

from assets.sources import OWNERS, source_asset_name
from schemas.catalog import SOURCES
from umkm.golden import golden_records
from umkm.identity import cluster_ids
from umkm.matching import strong_key_clusters
from umkm.run import RunRecords, combine_snapshots

_SOURCE_INS = {source_asset_name(s): dg.AssetIn() for s in SOURCES}


@dg.asset(ins=_SOURCE_INS, group_name="entities", kinds={"pandas"}, owners=OWNERS)
def standardised_records(context: dg.AssetExecutionContext, **snapshots) -> dg.Output:
    """All sources' accepted canonical records, their quarantine and delivery log, in one place."""
    combined = combine_snapshots(list(snapshots.values()))
    context.log.info(
        f"{len(combined.records)} accepted records and {len(combined.rejected)} quarantined "
        f"from {len(snapshots)} sources"
    )
    return dg.Output(combined, metadata={
        "records_accepted": len(combined.records),
        "records_quarantined": len(combined.rejected),
        "records_read": int(combined.summary["records_read"].sum()),
    })


@dg.asset(group_name="entities", kinds={"pandas", "scipy"}, owners=OWNERS)
def matched_records(context: dg.AssetExecutionContext,
                    standardised_records: RunRecords) -> dg.Output:
    """Every accepted record linked to a business (``umkm_id``) on strong keys: NIB, phone, e-mail."""
    started = time.perf_counter()
    records = standardised_records.records
    clusters = strong_key_clusters(records)
    linked = records.join(clusters)
    linked["umkm_id"] = cluster_ids(records, clusters["cluster"])
    linked = linked.drop(columns=["cluster"])
    businesses = linked["umkm_id"].nunique()
    matched_share = float((linked["match_rule"] != "singleton").mean()) if len(linked) else 0.0
    context.log.info(f"{len(linked)} records -> {businesses} businesses "
                     f"in {time.perf_counter() - started:.1f}s")
    return dg.Output(linked, metadata={
        "records": len(linked),
        "businesses": businesses,
        "matched_share": round(matched_share, 4),
        "links_by_rule": dg.MetadataValue.json(
            linked["match_rule"].value_counts().to_dict()
        ),
    })


@dg.asset(group_name="entities", kinds={"duckdb"}, owners=OWNERS)
def golden_businesses(context: dg.AssetExecutionContext, matched_records: pd.DataFrame) -> dg.Output:
    """One golden record per business, each attribute from its most trusted, newest record."""
    started = time.perf_counter()
    golden = golden_records(matched_records)
    per_kab = golden["kab_name"].fillna("(unknown)").value_counts().rename_axis("kabupaten/kota")
    context.log.info(f"{len(golden)} golden records in {time.perf_counter() - started:.1f}s")
    return dg.Output(golden, metadata={
        "businesses": len(golden),
        "registered_with_nib": int(golden["is_registered"].sum()),
        "selling_online": int(golden["sells_online"].sum()),
        "businesses_per_kabupaten_kota": dg.MetadataValue.md(
            per_kab.reset_index(name="businesses").to_markdown(index=False)
        ),
    })
