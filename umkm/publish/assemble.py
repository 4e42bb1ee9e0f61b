"""One nightly run's results across sources, and the publication made of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from umkm.health.scorecard import source_scorecard
from umkm.ingest.snapshots import ARCHIVE_TABLE, DELIVERY_COLUMNS, REJECTED_COLUMNS, SourceSnapshot
from umkm.publish import tables
from umkm.publish.warehouse import Publication
from umkm.resolution import splink_model
from umkm.resolution.golden import as_dates, attribute_provenance
from umkm.resolution.identity import RETIRED_RECORD_TABLE, IdAssignment, retired_id_successors
from umkm.resolution.resolve import CLUSTER_MEMO_TABLE, SCORE_TABLE, Resolution
from umkm.resolution.review_queue import review_queue


@dataclass
class RunRecords:
    """Accepted records, quarantine, delivery log and per-source summary of a run."""

    records: pd.DataFrame
    rejected: pd.DataFrame
    deliveries: pd.DataFrame
    summary: pd.DataFrame


def combine_snapshots(snapshots: list[SourceSnapshot]) -> RunRecords:
    """Put the sources' snapshots together (sources with no records keep their summary row)."""
    accepted = [s.accepted for s in snapshots if len(s.accepted)]
    rejected = [s.rejected for s in snapshots if len(s.rejected)]
    records = pd.concat(accepted, ignore_index=True) if accepted else snapshots[0].accepted
    summary = pd.DataFrame(
        [
            {
                "source": s.source,
                "snapshot_date": pd.Timestamp(s.snapshot_date) if s.snapshot_date else pd.NaT,
                "records_read": s.records_read,
                "records_accepted": len(s.accepted),
                "records_rejected": len(s.rejected),
            }
            for s in snapshots
        ]
    )
    return RunRecords(
        records=records,
        rejected=pd.concat(rejected, ignore_index=True)
        if rejected
        else pd.DataFrame(columns=REJECTED_COLUMNS),
        deliveries=pd.concat([s.deliveries for s in snapshots], ignore_index=True)
        if snapshots
        else pd.DataFrame(columns=DELIVERY_COLUMNS),
        summary=summary,
    )


def linked_records(
    records: pd.DataFrame, resolution: Resolution, ids: IdAssignment
) -> pd.DataFrame:
    """The canonical records with their business (``umkm_id``), how they were linked
    (``match_probability``, ``match_rule``) and their ``match_hash``."""
    resolved = resolution.records
    return records.reset_index(drop=True).assign(
        umkm_id=ids.record_ids.to_numpy(),
        match_probability=resolved["match_probability"].to_numpy(),
        match_rule=resolved["match_rule"].to_numpy(),
        match_hash=resolved["match_hash"].to_numpy(),
    )


def build_publication(
    run: RunRecords,
    resolution: Resolution,
    ids: IdAssignment,
    golden: pd.DataFrame,
    run_id: str,
    started_at: datetime,
    pii_key: bytes,
) -> Publication:
    """The warehouse tables of the output contract for one run."""
    linked = linked_records(run.records, resolution, ids)
    deliveries = run.deliveries.copy()
    deliveries.insert(0, "run_id", run_id)
    deliveries["delivered_on"] = as_dates(deliveries["delivered_on"])
    append = {
        "quality.run_metrics": tables.run_metrics(
            run.summary, linked, run.rejected, run_id, started_at
        ),
        "quality.source_delivery": deliveries,
        "quality.umkm_id_history": ids.events,
    }
    replace_on_training = {}
    if resolution.trained_now:
        append["quality.match_model"] = splink_model.model_to_row(resolution.model, started_at)
        replace_on_training[splink_model.FREQUENCY_TABLE] = splink_model.frequencies_to_rows(
            resolution.model
        )
    owner_keys = tables.owner_keys(golden, pii_key, linked)
    append["quality.source_scorecard"] = source_scorecard(
        run.summary, linked, run.rejected, run_id, started_at
    )
    return Publication(
        replace={
            "curated.umkm": tables.curated_umkm(golden),
            "curated.umkm_owner_summary": tables.owner_summary(golden, owner_keys),
            "restricted.umkm_owner_key": owner_keys,
            "curated.umkm_source_record": tables.curated_source_records(linked),
            "curated.umkm_attribute_provenance": attribute_provenance(golden),
            "curated.umkm_retired_id": retired_id_successors(ids.history),
            RETIRED_RECORD_TABLE: ids.retired_records,
            "quality.match_link": resolution.links.assign(
                run_id=run_id, model_version=resolution.model.version
            ),
            "quality.rejected_record": tables.quality_rejected(run.rejected, run_id),
            "quality.review_queue": review_queue(
                linked, resolution.links, resolution.link_ends, resolution.possible_matches
            ),
            "quality.steward_decision_status": resolution.decisions.status.assign(run_id=run_id),
            "restricted.source_record_personal_data": tables.restricted_personal_data(linked),
            "restricted.rejected_raw_record": tables.restricted_rejected_raw(run.rejected, run_id),
            ARCHIVE_TABLE: tables.canonical_archive(linked),
            SCORE_TABLE: _scores(resolution).assign(model_version=resolution.model.version),
            CLUSTER_MEMO_TABLE: _cluster_memo(resolution),
            **replace_on_training,
        },
        append=append,
    )


def _cluster_memo(resolution: Resolution) -> pd.DataFrame:
    if resolution.cluster_memo is None:
        raise ValueError("the resolution holds no clusters per component to publish")
    return resolution.cluster_memo


def _scores(resolution: Resolution) -> pd.DataFrame:
    if resolution.scores is None:
        raise ValueError("the resolution holds no pair scores to publish")
    return resolution.scores
