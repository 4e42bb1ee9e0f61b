"""Running the nightly job again on the same inputs gives identical tables and ids, whether
it publishes over its own previous run or into an empty warehouse."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from tests.conftest import query, run_nightly

#: two nightly runs
pytestmark = pytest.mark.slow

#: the curated tables and the sort order that makes them comparable
CURATED = {
    "curated.umkm": ["umkm_id"],
    "curated.umkm_source_record": ["source", "source_record_id"],
    "curated.umkm_attribute_provenance": ["umkm_id", "attribute"],
    "curated.umkm_retired_id": ["retired_umkm_id", "successor_umkm_id"],
}


def _table(warehouse, name: str) -> pd.DataFrame:
    return (
        query(warehouse, f"SELECT * FROM {name}").sort_values(CURATED[name]).reset_index(drop=True)
    )


def _assert_same_curated_tables(expected, actual) -> None:
    for name in CURATED:
        pd.testing.assert_frame_equal(
            _table(expected, name), _table(actual, name), check_dtype=False, obj=name
        )


def test_same_inputs_twice_give_identical_tables_and_ids(
    published, published_again, small_landing, tmp_path
):
    again = tmp_path / "again.duckdb"
    shutil.copy(published, again)
    run_nightly(small_landing, again)
    _assert_same_curated_tables(published, again)
    minted = query(
        again, "SELECT count(*) AS n FROM quality.umkm_id_history WHERE event = 'minted'"
    )["n"].iloc[0]
    assert minted == len(_table(again, "curated.umkm"))  # the second run minted no new id
    assert (
        query(again, "SELECT count(DISTINCT run_id) AS n FROM quality.run_metrics")["n"].iloc[0]
        == 2
    )

    # into an empty warehouse (a run shared with tests.test_nightly_job)
    _assert_same_curated_tables(published, published_again)
