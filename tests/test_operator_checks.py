"""The plain logic behind the asset checks: freshness, source health, id churn, column schemas."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assets.metadata import column_schema
from schemas.canonical import CanonicalRecord
from umkm.health.freshness import source_freshness
from umkm.health.id_churn import id_churn
from umkm.health.source_health import (
    conservation_holds,
    failure_samples,
    file_problem,
    schema_verdict,
)
from umkm.ingest.snapshots import DELIVERY_COLUMNS, REJECTED_COLUMNS

NEWEST = date(2026, 11, 30)


def test_freshness_fresh_stale_retired_missing():
    fresh = source_freshness("shopee", date(2026, 11, 27), NEWEST, stale_after_days=3)
    assert fresh.status == "fresh" and fresh.passed and fresh.days_behind == 3
    stale = source_freshness("shopee", date(2026, 11, 26), NEWEST, stale_after_days=3)
    assert stale.status == "stale" and not stale.passed and "4 day" in stale.message
    retired = source_freshness("jdid", date(2023, 1, 2), NEWEST, stale_after_days=3, retired=True)
    assert retired.status == "retired" and retired.passed
    missing = source_freshness("oss", None, NEWEST)
    assert missing.status == "missing" and not missing.passed
    with pytest.raises(ValueError):
        source_freshness("oss", NEWEST, NEWEST, stale_after_days=-1)


def _log(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=DELIVERY_COLUMNS)


CURRENT = ("r", date(2026, 11, 30), "/l/2026-11-30/r.csv", "current", "")


def test_schema_verdict_passes_a_few_bad_rows():
    verdict = schema_verdict(100, {"malformed": 2, "out_of_scope": 3}, _log(CURRENT))
    assert verdict.passed and verdict.severity == "ok" and verdict.malformed_share == 0.02


def test_a_file_wrong_as_a_whole_is_a_file_problem_but_not_a_tiny_source():
    changed = file_problem(100, 60, {"malformed": 40})
    assert changed is not None and "40 of 100" in changed
    assert file_problem(5, 3, {"malformed": 2}) is None
    assert "none of the 10" in file_problem(10, 0, {"out_of_scope": 10})
    assert file_problem(0, 0, {}) is None  # a header-only file is judged by its size elsewhere


def test_schema_verdict_warns_without_a_good_file_and_on_a_skipped_one():
    """Nothing about one source is an error: the night goes on with the source held."""
    missing = _log(("r", None, None, "missing", "source r: no complete delivery holds r.csv"))
    verdict = schema_verdict(0, {}, missing)
    assert not verdict.passed and verdict.severity == "warn" and "r.csv" in verdict.messages[0]
    skipped = _log(
        ("r", date(2026, 11, 30), "/l/2026-11-30/r.csv", "failed", "TypeError: x"),
        ("r", date(2026, 11, 29), "/l/2026-11-29/r.csv", "current", ""),
    )
    warned = schema_verdict(10, {}, skipped)
    assert warned.severity == "warn" and "/l/2026-11-30/r.csv" in warned.messages[0]
    assert "TypeError" in warned.messages[0]


def test_conservation_and_failure_samples_put_schema_failures_first_without_raw_rows():
    assert conservation_holds(10, 7, 3) and not conservation_holds(10, 7, 2)
    rejected = pd.DataFrame(
        [
            ("r", "1", "duplicate_key", "again", "2026-11-30", "f", 2, '{"nik": "3601"}'),
            ("r", None, "malformed", "record key", "2026-11-30", "f", 9, '{"nik": "3602"}'),
        ],
        columns=REJECTED_COLUMNS,
    )
    samples = failure_samples(rejected)
    assert list(samples["reason"]) == ["malformed", "duplicate_key"]
    assert "raw_record" not in samples.columns
    assert failure_samples(rejected, n=1).shape[0] == 1


def _events(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["umkm_id", "event", "related_umkm_id", "records"])


def test_id_churn_counts_merged_retired_and_split_against_last_nights_ids():
    ids = pd.Series(["A"] * 3 + ["B", "C", "N", "S"])
    events = _events(
        ("N", "minted", None, 1),
        ("S", "split", "A", 1),
        ("D", "merged", "B", 2),
        ("E", "retired", None, 0),
    )
    churn = id_churn(ids, events, max_churn=0.2)
    # last night: A, B, C kept + D merged + E retired = 5 ids; 3 of them changed
    assert churn.previous_ids == 5 and churn.kept == 3 and churn.businesses == 5
    assert churn.churn == 0.6 and not churn.passed and "above" in churn.message
    steady = id_churn(pd.Series(["A", "B"]), _events(), max_churn=0.2)
    assert steady.passed and steady.churn == 0.0
    first = id_churn(
        pd.Series(["A", "B"]), _events(("A", "minted", None, 1), ("B", "minted", None, 1))
    )
    assert first.first_run and first.passed and "first run" in first.message


def test_column_schema_from_the_pandera_model():
    schema = column_schema(CanonicalRecord)
    columns = {c.name: c for c in schema.columns}
    assert set(columns) == set(CanonicalRecord.to_schema().columns)
    assert not columns["source_record_id"].constraints.nullable
    assert any("d{16}" in text for text in columns["nik"].constraints.other)
