"""The nightly job publishing to the real PostgreSQL server of this machine (127.0.0.1:5432)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run_nightly
from tests.wap_helpers import postgres_url  # noqa: F401  (a fresh database, dropped after)
from umkm.publish.warehouse import Publication, publish, read_table


def test_publish_round_trips_types_and_nulls(postgres_url):
    frame = pd.DataFrame(
        {
            "text": ["a", None, "=1+1", 'quote " and, comma\\nline'],
            "number": pd.array([1, None, 3, 4], dtype="Int64"),
            "ratio": [0.5, None, 1.0, 2.25],
            "flag": pd.array([True, None, False, True], dtype="boolean"),
            "day": pd.to_datetime(["2026-11-24", None, "2026-11-25", "2026-11-26"]),
        }
    )
    publish(postgres_url, Publication(replace={"curated.sample": frame}))
    back = read_table(postgres_url, "curated.sample")
    assert back["text"].tolist()[0] == "a" and pd.isna(back["text"][1])
    assert back["text"][2] == "=1+1" and back["text"][3] == 'quote " and, comma\\nline'
    assert back["number"].isna().tolist() == [False, True, False, False]
    assert back["ratio"].tolist()[3] == 2.25
    assert back["flag"].tolist()[0] is True or back["flag"].tolist()[0] == True  # noqa: E712
    assert pd.Timestamp(back["day"][2]) == pd.Timestamp("2026-11-25")


def test_append_adds_rows_and_replace_swaps(postgres_url):
    publish(
        postgres_url,
        Publication(
            replace={"curated.t": pd.DataFrame({"a": [1, 2]})},
            append={"quality.h": pd.DataFrame({"a": [1]})},
        ),
    )
    publish(
        postgres_url,
        Publication(
            replace={"curated.t": pd.DataFrame({"a": [3]})},
            append={"quality.h": pd.DataFrame({"a": [2]})},
        ),
    )
    assert read_table(postgres_url, "curated.t")["a"].tolist() == [3]
    assert sorted(read_table(postgres_url, "quality.h")["a"].tolist()) == [1, 2]


@pytest.mark.slow
def test_nightly_job_publishes_to_postgres(small_landing, postgres_url):
    run_nightly(small_landing, None, url=postgres_url)
    umkm = read_table(postgres_url, "curated.umkm")
    records = read_table(postgres_url, "curated.umkm_source_record")
    metrics = read_table(postgres_url, "quality.run_metrics")
    assert len(umkm) > 0 and umkm["umkm_id"].is_unique
    assert records["umkm_id"].isin(umkm["umkm_id"]).all()
    assert (
        metrics["records_read"] == metrics["records_accepted"] + metrics["records_rejected"]
    ).all()
    first_ids = records.set_index(["source", "source_record_id"])["umkm_id"]
    run_nightly(small_landing, None, url=postgres_url)
    again = read_table(postgres_url, "curated.umkm_source_record").set_index(
        ["source", "source_record_id"]
    )["umkm_id"]
    assert again.reindex(first_ids.index).equals(first_ids)
    history = read_table(postgres_url, "quality.umkm_id_history")
    assert set(history["event"]) == {"minted"}
