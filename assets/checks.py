"""Asset checks that look at more than one asset: the run's record balance (and the audit).

Per-source checks live with the source assets (``assets.sources``) and the id churn check
with ``business_ids``; each calls plain functions of ``umkm``.
"""

import dagster as dg

from umkm.entity_resolution import Resolution
from umkm.identity import IdAssignment
from umkm.record_balance import record_balance
from umkm.run import RunRecords


@dg.asset_check(
    asset="business_ids", blocking=True, name="every_record_accounted_for",
    additional_ins={"standardised_records": dg.AssetIn(), "matched_records": dg.AssetIn()},
    description="every row read is accepted or quarantined, every accepted record is resolved "
                "once and has exactly one umkm_id; blocks publishing when it does not add up",
)
def every_record_accounted_for(business_ids: IdAssignment, standardised_records: RunRecords,
                               matched_records: Resolution) -> dg.AssetCheckResult:
    """The run's record balance (``umkm.record_balance``)."""
    run = standardised_records
    balance = record_balance(
        int(run.summary["records_read"].sum()), run.records, len(run.rejected),
        matched_records.records, business_ids.record_ids,
    )
    return dg.AssetCheckResult(
        passed=balance.holds, severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(balance.problems) or "balanced",
        metadata={"records_read": balance.read, "records_accepted": balance.accepted,
                  "records_quarantined": balance.quarantined,
                  "records_resolved": balance.resolved, "records_with_id": balance.with_id},
    )


def run_checks() -> list[dg.AssetChecksDefinition]:
    """The cross-asset checks of the nightly job."""
    return [every_record_accounted_for]
