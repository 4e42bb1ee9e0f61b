"""Assets from source snapshots to businesses: all records, entity resolution, persistent ids,
golden records."""

import time

import dagster as dg
import pandas as pd

from assets.metadata import column_schema_metadata, frame_table
from assets.sources import OWNERS, source_asset_name
from resources.engine import DuckDBEngine
from resources.warehouse import Warehouse
from schemas.canonical import CanonicalRecord
from schemas.catalog import SOURCES
from umkm.health.id_churn import MAX_ID_CHURN, id_churn
from umkm.health.register_summary import (
    businesses_per_kabupaten_kota,
    platform_overlap,
    platform_pairs,
)
from umkm.ingest.snapshots import ARCHIVE_TABLE
from umkm.publish.assemble import RunRecords, combine_snapshots, linked_records
from umkm.resolution import splink_model
from umkm.resolution.golden import golden_records
from umkm.resolution.identity import RETIRED_RECORD_TABLE, IdAssignment, assign_ids
from umkm.resolution.resolve import (
    CLUSTER_MEMO_TABLE,
    SCORE_COLUMNS,
    SCORE_TABLE,
    PreviousNight,
    Resolution,
    resolve_entities,
)
from umkm.resolution.stewardship import read_decisions
from umkm.settings import REPORTS_DIR

_SOURCE_INS = {source_asset_name(s): dg.AssetIn() for s in SOURCES}
ID_CHURN_CHECK = "id_churn"


class MatchingConfig(dg.Config):
    """Launch-time options of entity resolution."""

    #: train the match model again on tonight's records (its scores are all new then)
    retrain_model: bool = False
    #: score every candidate pair instead of reusing last night's scores of unchanged pairs
    full_rebuild: bool = False


@dg.asset(
    ins=_SOURCE_INS,
    group_name="entities",
    kinds={"pandas"},
    owners=OWNERS,
    metadata=column_schema_metadata(CanonicalRecord),
)
def standardised_records(context: dg.AssetExecutionContext, **snapshots) -> dg.Output:
    """All sources' accepted canonical records, their quarantine and delivery log, in one place."""
    started = time.perf_counter()
    combined = combine_snapshots(list(snapshots.values()))
    context.log.info(
        f"{len(combined.records)} accepted records and {len(combined.rejected)} quarantined "
        f"from {len(snapshots)} sources in {time.perf_counter() - started:.1f}s"
    )
    return dg.Output(
        combined,
        metadata={
            "records_accepted": len(combined.records),
            "records_quarantined": len(combined.rejected),
            "records_read": int(combined.summary["records_read"].sum()),
            "per_source": frame_table(_per_source(combined)),
        },
    )


def _per_source(combined: RunRecords) -> pd.DataFrame:
    """Per source: snapshot date, rows read, accepted, quarantined by reason."""
    by_reason = pd.crosstab(combined.rejected["source"], combined.rejected["reason"])
    table = combined.summary.set_index("source").join(by_reason.add_prefix("quarantined_"))
    table = table.fillna({c: 0 for c in table.columns if c.startswith("quarantined_")})
    table["snapshot_date"] = table["snapshot_date"].dt.strftime("%Y-%m-%d").fillna("none")
    counts = [c for c in table.columns if c != "snapshot_date"]
    table[counts] = table[counts].astype("int64")
    return table.reset_index()


STEWARD_CHECK = "steward_decisions"


@dg.asset(
    group_name="entities",
    kinds={"splink", "duckdb"},
    owners=OWNERS,
    check_specs=[
        dg.AssetCheckSpec(
            STEWARD_CHECK,
            asset="matched_records",
            blocking=True,
            description="the data stewards' decisions (steward.match_decision) "
            "hold together: contradicting decisions fail and stop "
            "publishing, naming them; decisions whose records are gone "
            "warn",
        ),
    ],
)
def matched_records(
    context: dg.AssetExecutionContext,
    config: MatchingConfig,
    warehouse: Warehouse,
    engine: DuckDBEngine,
    standardised_records: RunRecords,
):
    """Records clustered into businesses: NIB links plus the Splink model's scored candidate
    pairs, clustered without chaining, the data stewards' decisions applied over both. The
    stored model is reused unless retraining is asked for; on an incremental night only the
    pairs touching a new or changed record are scored, the rest keep last night's scores."""
    started = time.perf_counter()
    stored = splink_model.latest_model(
        warehouse.read("quality.match_model"), warehouse.read(splink_model.FREQUENCY_TABLE)
    )
    decisions = read_decisions(warehouse.url)
    hashes = last_night_hashes(warehouse)
    previous_ids = warehouse.read("curated.umkm_source_record")
    previous = None if config.full_rebuild else previous_night(warehouse)
    reading_seconds = time.perf_counter() - started
    resolution = resolve_entities(
        standardised_records.records,
        stored,
        retrain=config.retrain_model,
        charts_dir=REPORTS_DIR / "match_model",
        previous_ids=previous_ids,
        previous_hashes=hashes,
        previous=previous,
        full_rebuild=config.full_rebuild,
        duckdb_settings=engine.settings(),
        decisions=decisions,
    )
    figures = {"reading_last_night_seconds": round(reading_seconds, 1), **resolution.figures}
    seconds = {k: v for k, v in figures.items() if k.endswith("_seconds")}
    if resolution.trained_now:
        context.log.info(
            f"trained match model {resolution.model.version} "
            f"({figures['training_reason']}) in {figures['training_seconds']}s"
        )
    businesses = resolution.records["cluster"].nunique()
    context.log.info(
        f"{len(resolution.records)} records -> {businesses} businesses ({figures['night']} "
        f"night{': ' + figures['full_rebuild_reason'] if figures['full_rebuild_reason'] else ''}"
        f"); {figures['candidate_pairs']} candidate pairs, {figures['pairs_scored']} scored "
        f"tonight, {figures['links_scored']} links, dropped {figures['links_dropped']}, "
        f"{figures['components_clustered']} components clustered and "
        f"{figures['components_kept']} kept "
        f"in {time.perf_counter() - started:.1f}s ("
        + ", ".join(f"{k.removesuffix('_seconds')} {v}s" for k, v in seconds.items())
        + ")"
    )
    yield dg.Output(
        resolution,
        metadata={
            "records": len(resolution.records),
            "businesses": businesses,
            "matched_share": round(resolution.matched_share, 4),
            "night": figures["night"],
            "full_rebuild_reason": figures["full_rebuild_reason"] or "none",
            "candidate_pairs": figures["candidate_pairs"],
            "candidate_pairs_per_record": round(
                figures["candidate_pairs"] / max(len(resolution.records), 1), 2
            ),
            "pairs_scored_tonight": figures["pairs_scored"],
            "blocking_rules": frame_table(resolution.blocking),
            "links_scored": figures["links_scored"],
            "records_attached": figures["records_attached"],
            "records_held_alone": figures["records_held_alone"],
            "components_kept": figures["components_kept"],
            "components_clustered": figures["components_clustered"],
            "records_in_kept_components": figures["records_in_kept_components"],
            "links_dropped": dg.MetadataValue.json(figures["links_dropped"]),
            "seconds": dg.MetadataValue.json(seconds),
            "model_version": resolution.model.version,
            "model_trained_now": resolution.trained_now,
            "model_charts": dg.MetadataValue.json(figures.get("model_charts", [])),
        },
    )
    yield _steward_check(resolution, context.log)


def _steward_check(resolution: Resolution, log) -> dg.AssetCheckResult:
    """The stewards' decisions: contradictions block publishing, vanished records warn."""
    steward = resolution.decisions
    status = steward.status
    counts = status["status"].value_counts().to_dict()
    vanished = status[status["status"] == "vanished"]
    for contradiction in steward.contradictions:
        log.error(f"steward decisions contradict: {contradiction}")
    if len(vanished):
        log.warning(
            f"{len(vanished)} steward decision(s) name records no longer in the "
            f"register: {', '.join(str(i) for i in vanished['decision_id'].head(20))}"
        )
    passed = not steward.contradictions and vanished.empty
    return dg.AssetCheckResult(
        check_name=STEWARD_CHECK,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR
        if steward.contradictions
        else dg.AssetCheckSeverity.WARN,
        description="; ".join(steward.contradictions)
        or (
            f"{len(vanished)} decision(s) name records that are gone: "
            + ", ".join(str(i) for i in vanished["decision_id"].head(20))
            if len(vanished)
            else f"{counts.get('applied', 0)} decision(s) applied"
        ),
        metadata={
            "decisions": len(status),
            **{f"decisions_{k}": int(v) for k, v in counts.items()},
            "statuses": frame_table(status.head(50).astype(str)),
        },
    )


def last_night_hashes(warehouse: Warehouse) -> pd.DataFrame | None:
    """Each record's match hash as last published (source, source_record_id, match_hash), or
    None before the first night: read on every night, a full one too, since what changed
    since last night steers clustering (``resolve_entities``), not only the reuse of scores."""
    hashes = warehouse.read(ARCHIVE_TABLE, columns=("source", "source_record_id", "match_hash"))
    if hashes is None or "match_hash" not in hashes:
        return None
    return hashes


def previous_night(warehouse: Warehouse) -> PreviousNight | None:
    """Last night's links and scores, when both are published, and its clusters per
    component when stored (an incremental night also needs ``last_night_hashes``)."""
    scores = warehouse.read(SCORE_TABLE)
    if scores is None or scores.empty:
        return None
    links = warehouse.read("quality.match_link")
    if links is None:
        return None
    return PreviousNight(
        links=links,
        scores=scores[SCORE_COLUMNS],
        model_version=str(scores["model_version"].iloc[0]),
        clusters=warehouse.read(CLUSTER_MEMO_TABLE),
    )


@dg.asset(
    group_name="entities",
    kinds={"pandas"},
    owners=OWNERS,
    check_specs=[
        dg.AssetCheckSpec(
            ID_CHURN_CHECK,
            asset="business_ids",
            description=f"warns when more than {MAX_ID_CHURN:.0%} of the previous "
            "run's ids were merged, retired or split",
        ),
    ],
)
def business_ids(
    context: dg.AssetExecutionContext, warehouse: Warehouse, matched_records: Resolution
):
    """A persistent ``umkm_id`` per business: kept, minted, merged, split, retired or revived
    against the ids published by the previous run (rules in ``umkm.resolution.identity``)."""
    started = time.perf_counter()
    records = matched_records.records
    assignment = assign_ids(
        records[["source", "source_record_id", "cluster"]],
        previous=matched_records.previous_ids,
        history=warehouse.read("quality.umkm_id_history"),
        run_id=context.run.run_id,
        recorded_at=pd.Timestamp.now(tz="UTC"),
        retired_records=warehouse.read(RETIRED_RECORD_TABLE),
        decided=matched_records.decisions.decided,
    )
    counts = assignment.events["event"].value_counts().to_dict()
    churn = id_churn(assignment.record_ids, assignment.events)
    context.log.info(
        f"{churn.businesses} businesses; id events: "
        f"{counts or 'none (every business kept its id)'}; {churn.message}; "
        f"in {time.perf_counter() - started:.1f}s"
    )
    yield dg.Output(
        assignment,
        metadata={
            "businesses": churn.businesses,
            "records": len(records),
            "matched_share": round(matched_records.matched_share, 4),
            "ids_kept": churn.kept,
            **{f"ids_{event}": count for event, count in churn.events.items()},
            "id_churn": churn.churn,
        },
    )
    yield dg.AssetCheckResult(
        check_name=ID_CHURN_CHECK,
        passed=churn.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=churn.message,
        metadata={
            "previous_ids": churn.previous_ids,
            "ids_kept": churn.kept,
            **{f"ids_{event}": count for event, count in churn.events.items()},
            "id_churn": churn.churn,
            "max_id_churn": churn.max_churn,
        },
    )


@dg.asset(group_name="entities", kinds={"duckdb"}, owners=OWNERS)
def golden_businesses(
    context: dg.AssetExecutionContext,
    engine: DuckDBEngine,
    standardised_records: RunRecords,
    matched_records: Resolution,
    business_ids: IdAssignment,
) -> dg.Output:
    """One golden record per business, each attribute from its most trusted, newest record."""
    started = time.perf_counter()
    records = linked_records(standardised_records.records, matched_records, business_ids)
    golden = golden_records(records, engine.settings())
    context.log.info(f"{len(golden)} golden records in {time.perf_counter() - started:.1f}s")
    return dg.Output(
        golden,
        metadata={
            "businesses": len(golden),
            "registered_with_nib": int(golden["is_registered"].sum()),
            "selling_online": int(golden["sells_online"].sum()),
            "businesses_per_kabupaten_kota": frame_table(businesses_per_kabupaten_kota(golden)),
            "platform_overlap": frame_table(platform_overlap(golden)),
            "platform_pairs": frame_table(platform_pairs(golden)),
        },
    )
