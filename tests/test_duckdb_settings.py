"""DuckDB's limits in the job: the memory setting is parsed and checked, and the publish takes
its share of it."""

import pytest

from umkm.duckdb_settings import PUBLISH_MEMORY_SHARE, DuckDBSettings, memory_bytes
from umkm.settings import DUCKDB_MEMORY_ENV, duckdb_settings_from_env


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("3GB", 3 * 10**9),
        ("3.0GB", 3 * 10**9),
        ("1500MB", 1500 * 10**6),
        ("2 GiB", 2 * 2**30),
        ("512mib", 512 * 2**20),
        ("100000", 100000),
    ],
)
def test_memory_limits_are_read_as_duckdb_reads_them(limit, expected):
    assert memory_bytes(limit) == expected


@pytest.mark.parametrize("limit", ["lots", "3 GBs", "", "GB"])
def test_a_limit_that_is_not_one_is_refused(limit):
    with pytest.raises(ValueError, match="not a memory limit"):
        memory_bytes(limit)


def test_a_bad_environment_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv(DUCKDB_MEMORY_ENV, "plenty")
    with pytest.raises(ValueError, match=DUCKDB_MEMORY_ENV):
        duckdb_settings_from_env()


def test_the_publish_takes_its_share_and_duckdb_applies_it():
    publishing = DuckDBSettings("3GB", threads=1).for_publishing()
    assert memory_bytes(publishing.memory_limit) == pytest.approx(
        3 * 10**9 * PUBLISH_MEMORY_SHARE, rel=1e-3
    )
    with publishing.connection() as con:
        applied = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    # DuckDB reports the limit back in its own words, to one decimal: '1.3 GiB' for 1431 MiB
    number, unit = applied.split()
    assert float(number) * {"MiB": 2**20, "GiB": 2**30}[unit] == pytest.approx(
        memory_bytes(publishing.memory_limit), abs=0.1 * 2**30
    )


def test_a_spill_folder_that_does_not_exist_yet_is_made(tmp_path):
    spill = tmp_path / "not" / "there"
    with DuckDBSettings("1GB", threads=1, temp_directory=str(spill)).connection() as con:
        assert con.execute("SELECT 42").fetchall() == [(42,)]
        assert [p.name.startswith("umkm-duckdb-") for p in spill.iterdir()] == [True]
    assert spill.is_dir() and not any(spill.iterdir())
