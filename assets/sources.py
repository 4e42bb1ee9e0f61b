"""One asset per source of the catalog: its current snapshot, validated and standardised.

The assets are made from ``schemas.catalog.SOURCES``, so a new source is a catalog entry.
Each reports rows read / accepted / quarantined by reason, the snapshot date in use and any
delivery it had to pass over, and carries three checks the UI shows per source:

- ``raw_schema`` (not blocking): the pandera validation of the snapshot, with failure
  samples; fails as a warning when the newest file could not be used and the source is held
  at an older snapshot or at its records as last published (``umkm.ingest.snapshots``), saying what
  it is held at and why. One source never stops the night;
- ``conservation`` (blocking): rows read = accepted + quarantined;
- ``freshness`` (warning): the source lags too far behind the newest delivery; closed
  platforms are reported as retired (``umkm.health.freshness``).
"""

import dagster as dg

from assets.metadata import column_schema_metadata, frame_table
from resources.landing import LandingZone
from resources.run_memory import READ_ONCE_IO_MANAGER
from resources.warehouse import Warehouse
from schemas.canonical import CanonicalRecord
from schemas.catalog import SOURCES, SourceSpec
from umkm.health.freshness import source_freshness
from umkm.health.source_health import (
    MAX_MALFORMED_SHARE,
    conservation_holds,
    failure_samples,
    schema_verdict,
)
from umkm.ingest.snapshots import ARCHIVE_TABLE, CURRENT, SourceSnapshot, load_source_snapshot
from umkm.ingest.validation import REASONS

OWNERS = ["team:data-engineering"]
RAW_SCHEMA_CHECK = "raw_schema"
CONSERVATION_CHECK = "conservation"
FRESHNESS_CHECK = "freshness"


def source_asset_name(spec: SourceSpec) -> str:
    return f"source_{spec.key}"


def _metadata(snapshot: SourceSnapshot) -> dict:
    broken = snapshot.deliveries[snapshot.deliveries["status"] != CURRENT]
    return {
        "snapshot_date": str(snapshot.snapshot_date) if snapshot.snapshot_date else "none",
        "source_file": snapshot.source_file or "none",
        "records_read": snapshot.records_read,
        "records_accepted": len(snapshot.accepted),
        "records_quarantined": len(snapshot.rejected),
        **{f"quarantined_{r}": snapshot.rejected_by_reason.get(r, 0) for r in REASONS},
        "conservation_holds": conservation_holds(
            snapshot.records_read, len(snapshot.accepted), len(snapshot.rejected)
        ),
        "broken_deliveries": dg.MetadataValue.md(
            broken[["delivered_on", "status", "message"]].to_markdown(index=False)
            if len(broken)
            else "none"
        ),
        "read_from_memo": snapshot.from_memo,
        "seconds": round(snapshot.seconds, 2),
    }


def _check_specs(name: str, spec: SourceSpec) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            RAW_SCHEMA_CHECK,
            asset=name,
            blocking=False,
            description=f"pandera schema of format {spec.format.name}: bad rows are "
            "quarantined; a file that cannot be read, raises while processed, "
            f"has more than {MAX_MALFORMED_SHARE:.0%} of its rows malformed or "
            "none accepted is passed over, and the check fails (a warning, the "
            "night goes on) saying what the source is held at instead",
        ),
        dg.AssetCheckSpec(
            CONSERVATION_CHECK,
            asset=name,
            blocking=True,
            description="rows read = records accepted + records quarantined",
        ),
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=name,
            description="warns when the snapshot in use is older than the newest delivery by "
            "more than UMKM_STALE_AFTER_DAYS; closed platforms are 'retired'",
        ),
    ]


def _check_results(
    snapshot: SourceSnapshot, spec: SourceSpec, landing: LandingZone, reference_date
) -> list[dg.AssetCheckResult]:
    accepted, quarantined = len(snapshot.accepted), len(snapshot.rejected)
    verdict = schema_verdict(
        snapshot.records_read, snapshot.rejected_by_reason, snapshot.deliveries, snapshot.warnings
    )
    freshness = source_freshness(
        spec.key,
        snapshot.snapshot_date,
        reference_date,
        landing.stale_after_days,
        retired=spec.retired,
    )
    return [
        dg.AssetCheckResult(
            check_name=RAW_SCHEMA_CHECK,
            passed=verdict.passed,
            severity=dg.AssetCheckSeverity.WARN,
            description=snapshot.held or "; ".join(verdict.messages) or None,
            metadata={
                "format": spec.format.name,
                "source_file": snapshot.source_file or "none",
                "held": snapshot.held or "no: the newest delivered file is in use",
                "records_read": snapshot.records_read,
                "malformed_share": verdict.malformed_share,
                "quarantined_by_reason": dg.MetadataValue.json(snapshot.rejected_by_reason),
                "failure_samples": frame_table(failure_samples(snapshot.rejected)),
                "findings": dg.MetadataValue.md(
                    "\n".join(f"- {m}" for m in verdict.messages) or "none"
                ),
            },
        ),
        dg.AssetCheckResult(
            check_name=CONSERVATION_CHECK,
            passed=conservation_holds(snapshot.records_read, accepted, quarantined),
            metadata={
                "records_read": snapshot.records_read,
                "records_accepted": accepted,
                "records_quarantined": quarantined,
            },
        ),
        dg.AssetCheckResult(
            check_name=FRESHNESS_CHECK,
            passed=freshness.passed,
            severity=dg.AssetCheckSeverity.WARN,
            description=freshness.message,
            metadata={
                "status": freshness.status,
                "snapshot_date": str(freshness.snapshot_date or "none"),
                "newest_delivery": str(freshness.reference_date or "none"),
                "days_behind": freshness.days_behind if freshness.days_behind is not None else -1,
                "stale_after_days": freshness.stale_after_days,
            },
        ),
    ]


def _log_deliveries(log, snapshot: SourceSnapshot, spec: SourceSpec, landing: LandingZone):
    problems = snapshot.deliveries[snapshot.deliveries["status"] != CURRENT]
    for _, row in problems.iterrows():
        if row["status"] in ("broken", "failed", "held"):
            log.error(
                f"source {spec.key}: {row['status']} file {row['source_file']} "
                f"(delivery {row['delivered_on']}): {row['message']}"
            )
        elif row["status"] == "archive":
            log.error(row["message"])
        else:
            message = row["message"] or f"source {spec.key}: {row['status']}"
            log.error(f"{message} (expected file {spec.path} under {landing.root})")
    if snapshot.held:
        log.error(snapshot.held)
    for message in snapshot.warnings:
        if message not in set(problems["message"]):
            log.warning(message)


class SourceConfig(dg.Config):
    """Launch-time options of one source."""

    #: use the newest file even when it has far fewer rows than the last snapshot (a real
    #: drop, not a file cut short)
    accept_shrink: bool = False


def previous_rows(warehouse: Warehouse, source: str) -> int | None:
    """The rows the source's snapshot had in the last published run (None: no such run)."""
    metrics = warehouse.read(
        "quality.run_metrics", source=source, columns=("run_started_at", "records_read")
    )
    if metrics is None or metrics.empty:
        return None
    return int(metrics.sort_values("run_started_at")["records_read"].iloc[-1])


def build_source_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    """The asset of one source: read, validate, standardise and quarantine its snapshot."""
    name = source_asset_name(spec)

    @dg.asset(
        name=name,
        group_name="sources",
        description=(
            f"{spec.description}: the current snapshot of `{spec.path}` "
            f"({spec.format.name} format), validated with its pandera schema and standardised "
            "to canonical records (the column schema below); unusable rows quarantined with "
            "a reason." + (" A closed platform: it delivers no more." if spec.retired else "")
        ),
        kinds={"pandas", "pandera"},
        owners=OWNERS,
        tags={"source_kind": spec.kind, **({"retired": "true"} if spec.retired else {})},
        metadata={
            "source_key": spec.key,
            "format": spec.format.name,
            **column_schema_metadata(CanonicalRecord),
        },
        check_specs=_check_specs(name, spec),
        io_manager_key=READ_ONCE_IO_MANAGER,  # read by standardised_records alone
    )
    def source_snapshot(
        context: dg.AssetExecutionContext,
        config: SourceConfig,
        landing: LandingZone,
        warehouse: Warehouse,
    ):
        """Read, validate, standardise and quarantine the source's current snapshot as of the
        run's delivery; a file far smaller than the last snapshot is held back; when no file
        of it can be used, keep its records as last published."""
        deliveries = landing.deliveries(context.log)
        snapshot = load_source_snapshot(
            deliveries,
            spec,
            archive=lambda: warehouse.read(ARCHIVE_TABLE, source=spec.key),
            previous_rows=previous_rows(warehouse, spec.key),
            accept_shrink=config.accept_shrink,
            memo=landing.file_memo(),
        )
        _log_deliveries(context.log, snapshot, spec, landing)
        context.log.info(
            f"{spec.key}: snapshot {snapshot.snapshot_date}"
            f"{' (unchanged file: its outcome kept from before)' if snapshot.from_memo else ''}"
            f", read {snapshot.records_read}, "
            f"accepted {len(snapshot.accepted)}, quarantined {snapshot.rejected_by_reason} "
            f"in {snapshot.seconds:.1f}s"
        )
        yield dg.Output(snapshot, metadata=_metadata(snapshot))
        reference = deliveries[0].delivered_on if deliveries else None
        yield from _check_results(snapshot, spec, landing, reference)

    return source_snapshot


def source_assets() -> list[dg.AssetsDefinition]:
    return [build_source_asset(spec) for spec in SOURCES]
