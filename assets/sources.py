"""One asset per source of the catalog: its current snapshot, validated and standardised.

The assets are made from ``schemas.catalog.SOURCES``, so a new source is a catalog entry.
Each reports rows read / accepted / quarantined by reason, the snapshot date in use and any
broken delivery it had to skip.
"""


import dagster as dg

from resources.landing import LandingZone
from schemas.catalog import SOURCES, SourceSpec
from umkm.snapshots import SourceSnapshot, load_source_snapshot
from umkm.validation import REASONS

OWNERS = ["team:data-engineering"]


def source_asset_name(spec: SourceSpec) -> str:
    return f"source_{spec.key}"


def _metadata(snapshot: SourceSnapshot) -> dict:
    broken = snapshot.deliveries[snapshot.deliveries["status"] != "current"]
    return {
        "snapshot_date": str(snapshot.snapshot_date) if snapshot.snapshot_date else "none",
        "source_file": snapshot.source_file or "none",
        "records_read": snapshot.records_read,
        "records_accepted": len(snapshot.accepted),
        "records_quarantined": len(snapshot.rejected),
        **{f"quarantined_{r}": snapshot.rejected_by_reason.get(r, 0) for r in REASONS},
        "conservation_holds": snapshot.records_read
        == len(snapshot.accepted) + len(snapshot.rejected),
        "broken_deliveries": dg.MetadataValue.md(
            broken[["delivered_on", "status", "message"]].to_markdown(index=False)
            if len(broken) else "none"
        ),
        "seconds": round(snapshot.seconds, 2),
    }


def build_source_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    """The asset of one source: read, validate, standardise and quarantine its snapshot."""

    @dg.asset(
        name=source_asset_name(spec),
        group_name="sources",
        description=(
            f"{spec.description}: the current snapshot of `{spec.path}` "
            f"({spec.format.name} format), validated with its pandera schema and standardised "
            "to canonical records; unusable rows quarantined with a reason."
        ),
        kinds={"pandas", "pandera"},
        owners=OWNERS,
        tags={"source_kind": spec.kind, **({"retired": "true"} if spec.retired else {})},
    )
    def source_snapshot(context: dg.AssetExecutionContext, landing: LandingZone) -> dg.Output:
        """Read, validate, standardise and quarantine the source's current snapshot."""
        snapshot = load_source_snapshot(landing.deliveries(context.log), spec)
        for message in snapshot.warnings:
            context.log.warning(message)
        for _, row in snapshot.deliveries[snapshot.deliveries["status"] != "current"].iterrows():
            context.log.error(row["message"] or f"{spec.key}: {row['status']}")
        context.log.info(
            f"{spec.key}: snapshot {snapshot.snapshot_date}, read {snapshot.records_read}, "
            f"accepted {len(snapshot.accepted)}, quarantined {snapshot.rejected_by_reason} "
            f"in {snapshot.seconds:.1f}s"
        )
        return dg.Output(snapshot, metadata=_metadata(snapshot))

    return source_snapshot


def source_assets() -> list[dg.AssetsDefinition]:
    return [build_source_asset(spec) for spec in SOURCES]
