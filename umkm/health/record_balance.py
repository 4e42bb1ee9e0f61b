"""The run's record balance: every row read ends in exactly one place.

Per run: rows read (all sources) = records accepted + records quarantined; every accepted
record reaches entity resolution once; every resolved record has exactly one ``umkm_id``.
A broken balance means records were lost or doubled on the way and must not be published.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from umkm.frames import isin
from umkm.record_keys import record_refs


@dataclass(frozen=True)
class RecordBalance:
    """Counts along the run and what does not add up."""

    read: int
    accepted: int
    quarantined: int
    resolved: int
    with_id: int
    problems: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return not self.problems


def record_balance(
    rows_read: int,
    accepted: pd.DataFrame,
    quarantined: int,
    resolved: pd.DataFrame,
    record_ids: pd.Series,
) -> RecordBalance:
    """Check the balance from the run's counts, the accepted and resolved records (``source``,
    ``source_record_id``) and the id of each resolved record."""
    problems = []
    if rows_read != len(accepted) + quarantined:
        problems.append(
            f"rows read {rows_read} != accepted {len(accepted)} + quarantined {quarantined}"
        )
    accepted_refs, resolved_refs = record_refs(accepted), record_refs(resolved)
    lost = int((~isin(accepted_refs, resolved_refs)).sum())
    extra = int((~isin(resolved_refs, accepted_refs)).sum())
    if len(resolved_refs) != len(accepted_refs) or lost or extra:
        problems.append(
            f"resolution has {len(resolved_refs)} records for {len(accepted_refs)} "
            f"accepted ({lost} lost, {extra} unknown)"
        )
    if resolved_refs.duplicated().any():
        problems.append(f"{int(resolved_refs.duplicated().sum())} records resolved twice")
    with_id = int(record_ids.notna().sum())
    if len(record_ids) != len(resolved) or with_id != len(resolved):
        problems.append(f"{len(resolved) - with_id} of {len(resolved)} records have no umkm_id")
    return RecordBalance(
        rows_read, len(accepted), quarantined, len(resolved), with_id, tuple(problems)
    )
