"""Property-based tests: no file a source can send makes its step raise or lose a row.

Every one of the 29 sources (ten formats; the sources of one format differ in their region,
trust rank and retirement) meets files drawn by ``tests.hostile_files`` through the real
reader, validation and standardisation (``load_source_snapshot``). The properties:

- the source step never raises, and no file makes its processing raise (a ``failed`` file
  in the delivery log: the step survives it, but the file's rows would be lost tonight);
- rows read = records accepted + records quarantined;
- no accepted record lacks its record key;
- every quarantined row has a known reason.

``UMKM_FUZZ_EXAMPLES`` sets the examples per source (default 10, to keep CI short);
``benchmarks/fuzz_sources.py`` runs many more.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from schemas.catalog import SOURCES, SOURCES_BY_KEY
from tests.hostile_files import HostileFile, hostile_file
from umkm.ingest.landing import Delivery
from umkm.ingest.snapshots import FAILED, load_source_snapshot
from umkm.ingest.validation import REASONS

#: property-based: hostile files for every source, about 100 s in all
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("UMKM_FUZZ_EXAMPLES", "10"))
DELIVERY_DAY = date(2026, 11, 24)


class SourceCrashed(AssertionError):
    """The step raised, or a file's processing raised and the file was passed over."""


class RowsLost(AssertionError):
    """Conservation failed: a row neither accepted nor quarantined, a record without its
    key, a quarantined row without a known reason."""


#: the settings of every property test over hostile files
HOSTILE_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextlib.contextmanager
def delivered(drawn: HostileFile) -> Iterator[tuple[list[Delivery], Path]]:
    """``drawn`` written as the one complete delivery of a fresh landing zone (removed after):
    the deliveries to load and the zone's root."""
    root = Path(tempfile.mkdtemp(prefix="umkm-fuzz-"))
    try:
        folder = root / DELIVERY_DAY.isoformat()
        drawn.write(folder)
        (folder / "_SUCCESS").write_bytes(b"")
        yield [Delivery(DELIVERY_DAY, folder)], root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def check_source_survives(drawn: HostileFile) -> None:
    """Write ``drawn`` into a fresh landing zone, load it, assert the four properties."""
    with delivered(drawn) as (deliveries, _):
        try:
            snapshot = load_source_snapshot(deliveries, drawn.source)
        except Exception as exc:
            raise SourceCrashed(f"the step raised {type(exc).__name__}: {exc}") from exc
    failed = snapshot.deliveries[snapshot.deliveries["status"] == FAILED]
    if not failed.empty:
        raise SourceCrashed(f"processing raised: {failed['message'].tolist()}")
    accepted, rejected = snapshot.accepted, snapshot.rejected
    if snapshot.records_read != len(accepted) + len(rejected):
        raise RowsLost(
            f"read {snapshot.records_read}, accepted {len(accepted)}, quarantined {len(rejected)}"
        )
    keys = accepted["source_record_id"]
    if not (keys.notna().all() and (keys.astype(str).str.strip() != "").all()):
        raise RowsLost("an accepted record lacks its record key")
    if not rejected["reason"].isin(REASONS).all():
        raise RowsLost(f"quarantine reasons {rejected['reason'].unique().tolist()}")


@pytest.mark.parametrize("source_key", [s.key for s in SOURCES])
def test_no_file_makes_a_source_raise_or_lose_a_row(source_key):
    source = SOURCES_BY_KEY[source_key]

    @HOSTILE_SETTINGS
    @given(drawn=hostile_file(source))
    def survives(drawn: HostileFile) -> None:
        check_source_survives(drawn)

    survives()
