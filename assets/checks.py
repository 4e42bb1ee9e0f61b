"""Asset checks that look at more than one asset, and the publication audit's check results.

The run's record balance is a check of its own. The audit of write-audit-publish runs inside
``warehouse_tables`` (between writing and swapping in), so its pandera and Great Expectations
results are reported by that step through ``AUDIT_CHECK_SPECS`` / ``audit_check_results``, as
checks of ``curated/umkm``, the table BI tools read first (the audit covers the whole
publication: nothing is swapped in unless both pass).
Per-source checks live with the source assets (``assets.sources``) and the id churn check
with ``business_ids``; each calls plain functions of ``umkm``.
"""

import dagster as dg

from assets.metadata import checks_markdown
from umkm.health.record_balance import record_balance
from umkm.publish.assemble import RunRecords
from umkm.publish.audit import AuditResult
from umkm.resolution.identity import IdAssignment
from umkm.resolution.resolve import Resolution


@dg.asset_check(
    asset="business_ids",
    blocking=True,
    name="every_record_accounted_for",
    additional_ins={"standardised_records": dg.AssetIn(), "matched_records": dg.AssetIn()},
    description="every row read is accepted or quarantined, every accepted record is resolved "
    "once and has exactly one umkm_id; blocks publishing when it does not add up",
)
def every_record_accounted_for(
    business_ids: IdAssignment, standardised_records: RunRecords, matched_records: Resolution
) -> dg.AssetCheckResult:
    """The run's record balance (``umkm.health.record_balance``)."""
    run = standardised_records
    balance = record_balance(
        int(run.summary["records_read"].sum()),
        run.records,
        len(run.rejected),
        matched_records.records,
        business_ids.record_ids,
    )
    return dg.AssetCheckResult(
        passed=balance.holds,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(balance.problems) or "balanced",
        metadata={
            "records_read": balance.read,
            "records_accepted": balance.accepted,
            "records_quarantined": balance.quarantined,
            "records_resolved": balance.resolved,
            "records_with_id": balance.with_id,
        },
    )


def run_checks() -> list[dg.AssetChecksDefinition]:
    """The cross-asset checks of the nightly job."""
    return [every_record_accounted_for]


#: the asset the audit's checks belong to: ``curated.umkm``
AUDITED_ASSET = dg.AssetKey(["curated", "umkm"])
CURATED_PANDERA_CHECK = "curated_pandera"
GREAT_EXPECTATIONS_CHECK = "great_expectations"
AUDIT_CHECK_SPECS = [
    dg.AssetCheckSpec(
        CURATED_PANDERA_CHECK,
        asset=AUDITED_ASSET,
        blocking=True,
        description="pandera models of the curated tables (schemas.curated) on "
        "the run's tables before they are published",
    ),
    dg.AssetCheckSpec(
        GREAT_EXPECTATIONS_CHECK,
        asset=AUDITED_ASSET,
        blocking=True,
        description="the Great Expectations suites of the publication audit; "
        "the metadata links the Data Docs",
    ),
]


def audit_check_results(result: AuditResult | None) -> list[dg.AssetCheckResult]:
    """The publication audit (``umkm.publish.audit``) as two check results: its pandera checks and
    its Great Expectations checks with the path to the Data Docs. None before an audit ran."""
    if result is None:
        return []
    pandera = [c for c in result.checks if c.name.startswith("pandera ")]
    expectations = [c for c in result.checks if not c.name.startswith("pandera ")]
    outcomes = []
    for name, checks in (
        (CURATED_PANDERA_CHECK, pandera),
        (GREAT_EXPECTATIONS_CHECK, expectations),
    ):
        failed = [c for c in checks if not c.success]
        metadata = {
            "checks": len(checks),
            "failed": len(failed),
            "results": dg.MetadataValue.md(checks_markdown(checks)),
        }
        if name == GREAT_EXPECTATIONS_CHECK and result.data_docs_path is not None:
            metadata["data_docs"] = dg.MetadataValue.path(str(result.data_docs_path))
        outcomes.append(
            dg.AssetCheckResult(
                check_name=name,
                asset_key=AUDITED_ASSET,
                passed=bool(checks) and not failed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=metadata,
                description=(
                    f"{len(failed)} of {len(checks)} failed: "
                    + "; ".join(c.name for c in failed[:5])
                )
                if failed
                else f"all {len(checks)} passed",
            )
        )
    return outcomes
