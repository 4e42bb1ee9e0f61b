"""One writer per warehouse, one delivery per run: real concurrent ``dagster job execute``
processes against one warehouse on both engines, a held lock that names its holder, and a
delivery that completes while a run is reading.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

import umkm.ingest.snapshots
from tests.conftest import query, run_nightly
from tests.wap_helpers import sql, warehouse_url  # noqa: F401
from umkm.publish.warehouse_lock import WarehouseLock

#: overlapping nightly runs through the dagster command
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _start_nightly(landing: Path, url: str, log: Path, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "UMKM_LANDING_DIR": str(landing),
        "UMKM_WAREHOUSE_URL": url,
        "UMKM_PII_HASH_KEY": "test-only-key",
        **env,
    }
    dagster = Path(sys.executable).parent / "dagster"
    return subprocess.Popen(
        [str(dagster), "job", "execute", "-m", "pipelines.definitions", "-j", "nightly"],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _run_id(log: Path) -> str:
    text = log.read_text()
    marker = "RUN_SUCCESS" if "RUN_SUCCESS" in text else "RUN_START"
    line = next(line for line in text.splitlines() if marker in line)
    return line.split(" - ")[4]


def test_two_overlapping_runs_publish_one_after_the_other(small_landing, warehouse_url, tmp_path):
    """Both succeed; the second waited for the first's lock and read what it published; the
    live tables are the last run's, credited to it; no half-built file is left."""
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = _start_nightly(small_landing, warehouse_url, logs[0])
    time.sleep(1.0)
    second = _start_nightly(small_landing, warehouse_url, logs[1])
    assert first.wait(600) == 0, logs[0].read_text()[-3000:]
    assert second.wait(600) == 0, logs[1].read_text()[-3000:]
    waited = [log for log in logs if "is locked by run" in log.read_text()]
    assert len(waited) == 1, "exactly one run waited for the other's lock"
    published = sql(warehouse_url, "SELECT run_id FROM quality.publication ORDER BY published_at")
    runs = [_run_id(log) for log in logs]
    assert [r for (r,) in published] == (
        [runs[0], runs[1]] if waited[0] == logs[1] else [runs[1], runs[0]]
    )
    live = sql(warehouse_url, "SELECT DISTINCT run_id FROM quality.match_link")
    assert live == [(published[-1][0],)], "the live tables are the last publisher's"
    events = sql(warehouse_url, "SELECT DISTINCT run_id FROM quality.umkm_id_history")
    # the second run read the ids the first published: on the same inputs it changed none
    assert events == [(published[0][0],)]
    if warehouse_url.startswith("duckdb"):
        path = Path(warehouse_url.removeprefix("duckdb:///"))
        assert not list(path.parent.glob(f"{path.name}.publishing*"))


def test_a_run_that_cannot_get_the_lock_names_the_holder(small_landing, warehouse_url, tmp_path):
    holder = WarehouseLock(warehouse_url, "held-by-the-test", wait_seconds=0)
    holder.acquire()
    try:
        log = tmp_path / "blocked.log"
        run = _start_nightly(small_landing, warehouse_url, log, UMKM_WAREHOUSE_LOCK_WAIT="2")
        assert run.wait(600) != 0
    finally:
        holder.release()
    text = log.read_text()
    assert "is locked by run held-by-the-test" in text and f"pid {os.getpid()}" in text


def test_a_delivery_completing_mid_run_is_left_for_the_next_run(
    small_landing, tmp_path, monkeypatch
):
    """The run pins its delivery when it starts: a newer complete delivery that appears
    after the first source was read is used by no source of this run."""
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    complete = sorted(p for p in landing.iterdir() if (p / "_SUCCESS").exists())
    pinned = date.fromisoformat(complete[-1].name)
    later = landing / (pinned + timedelta(days=5)).isoformat()
    real = umkm.ingest.snapshots.read_source_file

    def reader_that_lets_a_delivery_land(path, fmt):
        if not later.exists():
            shutil.copytree(complete[0], later)  # every source file, complete
        return real(path, fmt)

    monkeypatch.setattr(umkm.ingest.snapshots, "read_source_file", reader_that_lets_a_delivery_land)
    warehouse = tmp_path / "warehouse.duckdb"
    run_nightly(landing, warehouse)
    assert (later / "_SUCCESS").exists()
    used = query(
        warehouse,
        "SELECT DISTINCT delivered_on FROM quality.source_delivery WHERE status = 'current'",
    )
    assert (used["delivered_on"].dt.date <= pinned).all()
