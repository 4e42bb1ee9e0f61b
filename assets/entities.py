"""Assets from source snapshots to businesses: all records, entity resolution, persistent ids,
golden records."""

import time

import dagster as dg
import pandas as pd

from assets.sources import OWNERS, source_asset_name
from resources.settings import REPORTS_DIR
from resources.warehouse import Warehouse
from schemas.catalog import SOURCES
from umkm import splink_model
from umkm.entity_resolution import Resolution, resolve_entities
from umkm.golden import golden_records
from umkm.identity import IdAssignment, assign_ids
from umkm.run import RunRecords, combine_snapshots

_SOURCE_INS = {source_asset_name(s): dg.AssetIn() for s in SOURCES}


class MatchingConfig(dg.Config):
    """Launch-time options of entity resolution."""

    retrain_model: bool = False
    #: count the blocking rules' candidate pairs exactly (a join per rule; for benchmarks)
    count_candidate_pairs: bool = False


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


@dg.asset(group_name="entities", kinds={"splink", "duckdb"}, owners=OWNERS)
def matched_records(context: dg.AssetExecutionContext, config: MatchingConfig,
                    warehouse: Warehouse, standardised_records: RunRecords) -> dg.Output:
    """Records clustered into businesses: NIB links plus the Splink model's scored pairs,
    clustered without chaining. The stored model is reused unless retraining is asked for."""
    started = time.perf_counter()
    stored = splink_model.latest_model(warehouse.read("quality.match_model"))
    resolution = resolve_entities(
        standardised_records.records, stored, retrain=config.retrain_model,
        charts_dir=REPORTS_DIR / "match_model",
        count_candidate_pairs=config.count_candidate_pairs,
    )
    figures = resolution.figures
    if resolution.trained_now:
        context.log.info(f"trained match model {resolution.model.version} "
                         f"({figures['training_reason']}) in {figures['training_seconds']}s")
    businesses = resolution.records["cluster"].nunique()
    context.log.info(
        f"{len(resolution.records)} records -> {businesses} businesses; "
        f"{figures.get('candidate_pairs', 'uncounted')} candidate pairs, "
        f"{figures['links_scored']} links scored, "
        f"dropped {figures['links_dropped']} in {time.perf_counter() - started:.1f}s"
    )
    matched = float((resolution.records["match_rule"] != "singleton").mean())
    return dg.Output(resolution, metadata={
        "records": len(resolution.records),
        "businesses": businesses,
        "matched_share": round(matched, 4),
        "candidate_pairs": figures.get("candidate_pairs", -1),
        "links_scored": figures["links_scored"],
        "links_dropped": dg.MetadataValue.json(figures["links_dropped"]),
        "model_version": resolution.model.version,
        "model_trained_now": resolution.trained_now,
        "model_charts": dg.MetadataValue.json(figures.get("model_charts", [])),
    })


@dg.asset(group_name="entities", kinds={"pandas"}, owners=OWNERS)
def business_ids(context: dg.AssetExecutionContext, warehouse: Warehouse,
                 matched_records: Resolution) -> dg.Output:
    """A persistent ``umkm_id`` per business: kept, minted, merged, split or retired against
    the ids published by the previous run (rules in ``umkm.identity``)."""
    records = matched_records.records
    assignment = assign_ids(
        records[["source", "source_record_id", "cluster"]],
        previous=warehouse.read("curated.umkm_source_record"),
        history=warehouse.read("quality.umkm_id_history"),
        run_id=context.run.run_id, recorded_at=pd.Timestamp.now(tz="UTC"),
    )
    counts = assignment.events["event"].value_counts().to_dict()
    context.log.info(f"id events: {counts or 'none (every business kept its id)'}")
    return dg.Output(assignment, metadata={
        "businesses": int(assignment.record_ids.nunique()),
        **{f"ids_{event}": int(counts.get(event, 0))
           for event in ("minted", "split", "merged", "retired")},
    })


@dg.asset(group_name="entities", kinds={"duckdb"}, owners=OWNERS)
def golden_businesses(context: dg.AssetExecutionContext, matched_records: Resolution,
                      business_ids: IdAssignment) -> dg.Output:
    """One golden record per business, each attribute from its most trusted, newest record."""
    started = time.perf_counter()
    records = matched_records.records.assign(umkm_id=business_ids.record_ids.to_numpy())
    golden = golden_records(records)
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
