"""Shared fixtures: a small generated landing zone and one nightly run on it."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from umkm.demo import generate_landing_zone
from umkm.publish.warehouse import open_with_restricted

SMALL_BUSINESSES = 400
SMALL_DAYS = 3
#: the keyed-hash secret of the test runs
TEST_HASH_KEY = "test-only-key"


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    """400 businesses over three days: a broken file on a later day, an incomplete newest day."""
    root = tmp_path_factory.mktemp("landing")
    generate_landing_zone(root, businesses=SMALL_BUSINESSES, days=SMALL_DAYS, seed=11)
    return root


@pytest.fixture(scope="session")
def ground_truth(small_landing) -> pd.DataFrame:
    return pd.read_csv(
        small_landing / "_truth" / "ground_truth.csv", dtype=str, keep_default_na=False
    )


def nightly_definitions(
    landing: Path,
    warehouse: Path | None = None,
    url: str | None = None,
    file_memo: Path | None = None,
) -> dg.Definitions:
    """The Definitions with their resources on ``landing`` and the DuckDB file ``warehouse``
    (or the SQLAlchemy ``url``), hashing with the test key (``pipelines.definitions.build_defs``);
    files read before are kept in ``file_memo`` (None: every file is read)."""
    from pipelines.definitions import build_defs
    from resources.landing import LandingZone
    from resources.warehouse import Warehouse

    return build_defs(
        {
            "landing": LandingZone(
                root=str(landing), file_memo_dir=str(file_memo) if file_memo else None
            ),
            "warehouse": Warehouse(url=url or f"duckdb:///{warehouse}", pii_hash_key=TEST_HASH_KEY),
        }
    )


def run_nightly(
    landing: Path,
    warehouse: Path | None,
    url: str | None = None,
    run_config: dict | None = None,
    raise_on_error: bool = True,
    file_memo: Path | None = None,
):
    """Run the ``nightly`` job in process against ``landing``, publishing to the DuckDB file
    ``warehouse`` or to the SQLAlchemy ``url`` (``file_memo``: see ``nightly_definitions``);
    asserts success unless ``raise_on_error`` is off, and returns the result."""
    result = (
        nightly_definitions(landing, warehouse, url, file_memo)
        .resolve_job_def("nightly")
        .execute_in_process(run_config=run_config or {}, raise_on_error=raise_on_error)
    )
    if raise_on_error:
        assert result.success
    return result


@pytest.fixture(scope="session")
def published_run(small_landing, tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The warehouse file after one nightly run on the small landing zone, and the run."""
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    return warehouse, run_nightly(small_landing, warehouse)


@pytest.fixture(scope="session")
def published(published_run) -> Path:
    """The warehouse file after one nightly run on the small landing zone."""
    return published_run[0]


@pytest.fixture(scope="session")
def published_again(small_landing, tmp_path_factory) -> Path:
    """The warehouse file after another nightly run on the same inputs, into an empty
    warehouse (to compare with ``published``)."""
    warehouse = tmp_path_factory.mktemp("warehouse_again") / "warehouse.duckdb"
    run_nightly(small_landing, warehouse)
    return warehouse


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    """Rows of ``sql`` on the published DuckDB warehouse, its restricted file attached."""
    con = open_with_restricted(Path(warehouse))
    try:
        return con.execute(sql).df()
    finally:
        con.close()
