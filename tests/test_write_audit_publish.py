"""Write-audit-publish on both engines: readers querying during a publish see only the
complete old or the complete new tables; a publish killed midway leaves the old tables; a
failing check publishes nothing; keys, comments and views come with every publish."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.wap_helpers import (  # noqa: F401
    make_publication,
    postgres_url,
    read_once,
    sql,
    warehouse_url,
)
from umkm.publish.audit import AuditFailed, PublicationAudit, RowCountBounds
from umkm.publish.warehouse import (
    PAUSE_AT_ENV,
    PAUSE_MARKER_ENV,
    PAUSE_SECONDS_ENV,
    duckdb_path,
    publish,
)

ROOT = Path(__file__).resolve().parent.parent


def _complete(version: int, rows: int) -> dict:
    tag = f"v{version}"
    return {
        "businesses": rows,
        "records": rows,
        "umkm_min": tag,
        "umkm_max": tag,
        "records_min": tag,
        "records_max": tag,
    }


def _run_metrics_versions(url: str) -> list[int]:
    return sorted(v for (v,) in sql(url, "SELECT version FROM quality.run_metrics"))


def _no_leftovers(url: str) -> bool:
    """No half-built DuckDB file, no staging tables on PostgreSQL."""
    path = duckdb_path(url)
    if path is not None:
        return not list(path.parent.glob(f"{path.name}.publishing*"))
    return (
        sql(url, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'staging'")[
            0
        ][0]
        == 0
    )


def _start_reader(url: str, stop: Path, hold: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.wap_helpers", "read", url, str(stop)]
    reader = subprocess.Popen(
        command + (["--hold"] if hold else []), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert json.loads(reader.stdout.readline()) == {"ready": True}
    return reader


def _observations(reader: subprocess.Popen) -> list[dict]:
    out, _ = reader.communicate(timeout=60)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.slow
def test_readers_see_only_the_complete_old_or_new_tables(warehouse_url, tmp_path, monkeypatch):
    old, new = _complete(1, 20_000), _complete(2, 30_000)
    publish(warehouse_url, make_publication(1, 20_000))
    stop = tmp_path / "stop"
    reconnecting = _start_reader(warehouse_url, stop)
    holding = _start_reader(warehouse_url, stop, hold=True) if duckdb_path(warehouse_url) else None
    time.sleep(0.5)
    # hold the publish for a second at its most delicate point (PostgreSQL: inside the swap
    # transaction, old tables dropped; DuckDB: new file complete, not yet renamed)
    monkeypatch.setenv(PAUSE_AT_ENV, "swap")
    monkeypatch.setenv(PAUSE_SECONDS_ENV, "1")
    publish(
        warehouse_url,
        make_publication(2, 30_000),
        PublicationAudit(20_000, docs_dir=tmp_path / "docs"),
    )
    time.sleep(0.5)
    stop.touch()
    seen = _observations(reconnecting)
    assert len(seen) > 20
    assert all(observation in (old, new) for observation in seen), [
        o for o in seen if o not in (old, new)
    ][:3]
    assert seen[0] == old and seen[-1] == new
    if holding is not None:
        # a BI tool holding the file open neither blocked the publish nor saw it change
        held = _observations(holding)
        assert len(held) > 20 and all(observation == old for observation in held)
    assert read_once(warehouse_url) == new


@pytest.mark.slow
@pytest.mark.parametrize("point", ["staging", "swap"])
def test_a_publish_killed_midway_leaves_the_old_tables(warehouse_url, tmp_path, point):
    publish(warehouse_url, make_publication(1, 5_000))
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        PAUSE_AT_ENV: point,
        PAUSE_MARKER_ENV: str(marker),
        PAUSE_SECONDS_ENV: "300",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.wap_helpers", "publish", warehouse_url, "2", "8000"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert worker.poll() is None, "the worker ended before the pause point"
            assert time.monotonic() < deadline, "the worker never reached the pause point"
            time.sleep(0.05)
    finally:
        worker.kill()
        worker.wait()
    assert read_once(warehouse_url) == _complete(1, 5_000)
    assert _run_metrics_versions(warehouse_url) == [1]
    publish(warehouse_url, make_publication(3, 6_000))
    assert read_once(warehouse_url) == _complete(3, 6_000)
    assert _run_metrics_versions(warehouse_url) == [1, 3]
    assert _no_leftovers(warehouse_url)


@pytest.mark.slow
def test_a_failing_check_publishes_nothing(warehouse_url, tmp_path):
    docs = tmp_path / "docs"
    publish(warehouse_url, make_publication(1, 1_000), PublicationAudit(None, docs_dir=docs))
    duplicated = make_publication(2, 1_000)
    umkm = duplicated.replace["curated.umkm"]
    umkm.loc[5, "umkm_id"] = umkm.loc[4, "umkm_id"]
    audit = PublicationAudit(1_000, docs_dir=docs)
    with pytest.raises(AuditFailed) as failed:
        publish(warehouse_url, duplicated, audit)
    failing = {check.name for check in failed.value.result.failures}
    assert "curated_umkm: expect_column_values_to_be_unique (umkm_id)" in failing
    assert "pandera curated.umkm" in failing
    assert (docs / "index.html").exists()
    assert read_once(warehouse_url) == _complete(1, 1_000)
    assert _run_metrics_versions(warehouse_url) == [1]
    assert _no_leftovers(warehouse_url)

    collapsed = make_publication(3, 300)  # 30% of the businesses: a lost source
    with pytest.raises(AuditFailed) as failed:
        publish(warehouse_url, collapsed, PublicationAudit(1_000, docs_dir=docs))
    assert [c.name for c in failed.value.result.failures] == [
        "curated_umkm: expect_table_row_count_to_be_between"
    ]
    assert read_once(warehouse_url) == _complete(1, 1_000)
    # a deliberate change passes with wider bounds
    publish(warehouse_url, collapsed, PublicationAudit(1_000, bounds=RowCountBounds(0.2, 2.0)))
    assert read_once(warehouse_url) == _complete(3, 300)
    assert _run_metrics_versions(warehouse_url) == [1, 3]


def test_every_publish_brings_keys_comments_and_views(warehouse_url):
    for version, rows in ((1, 400), (2, 500)):  # the second replaces tables views depend on
        publish(warehouse_url, make_publication(version, rows))
    keys = sql(
        warehouse_url,
        """
        SELECT table_schema || '.' || table_name FROM information_schema.table_constraints
        WHERE constraint_type = 'PRIMARY KEY'
          AND table_schema IN ('curated', 'quality', 'restricted') ORDER BY 1""",
    )
    assert [k for (k,) in keys] == ["curated.umkm", "curated.umkm_source_record"]
    if duckdb_path(warehouse_url):
        table_comment = "SELECT comment FROM duckdb_tables() WHERE table_name = 'umkm'"
        column_comment = (
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'umkm' "
            "AND column_name = 'umkm_id'"
        )
        view_comment = "SELECT comment FROM duckdb_views() WHERE view_name = 'v_online_without_nib'"
    else:
        table_comment = "SELECT obj_description('curated.umkm'::regclass)"
        column_comment = "SELECT col_description('curated.umkm'::regclass, 1)"
        view_comment = "SELECT obj_description('curated.v_online_without_nib'::regclass)"
    assert "One row per business" in sql(warehouse_url, table_comment)[0][0]
    assert "stable across" in sql(warehouse_url, column_comment)[0][0]
    assert "no NIB" in sql(warehouse_url, view_comment)[0][0]
    by_registration = dict(
        sql(
            warehouse_url,
            """
        SELECT registration, sum(businesses) FROM curated.v_umkm_registration GROUP BY 1""",
        )
    )
    assert by_registration == {"registered": 167, "unregistered": 333}  # every third has a NIB
    assert (
        sql(warehouse_url, "SELECT sum(businesses) FROM curated.v_umkm_per_kabupaten_sector")[0][0]
        == 500
    )
    online_without_nib = sql(
        warehouse_url, "SELECT count(*) FROM curated.umkm WHERE sells_online AND nib IS NULL"
    )[0][0]
    assert (
        sql(warehouse_url, "SELECT count(*) FROM curated.v_online_without_nib")[0][0]
        == online_without_nib
        > 0
    )
    distribution = dict(
        sql(
            warehouse_url,
            "SELECT platform_count, businesses FROM curated.v_platform_count_distribution",
        )
    )
    assert distribution == {0: 125, 1: 125, 2: 125, 3: 125}


def test_duckdb_keeps_history_and_tables_the_run_did_not_write(tmp_path):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    first = make_publication(1, 100)
    first.append["quality.match_model"] = make_publication(1, 1).append["quality.run_metrics"]
    publish(url, first)
    publish(url, make_publication(2, 120))  # no model trained this time
    assert _run_metrics_versions(url) == [1, 2]
    assert sql(url, "SELECT count(*) FROM quality.match_model")[0][0] == 1


def test_view_names_mark_them_as_the_catalogs():
    from umkm.publish.warehouse_catalog import VIEWS

    assert all(view.name.split(".")[1].startswith("v_") for view in VIEWS)


def _hold_table_in_a_transaction(
    dsn: str, isolation: str, seconds: float, seen: dict, ready, done
) -> None:
    """A BI session: opens a transaction, reads curated.umkm, keeps the transaction open for
    ``seconds`` and reads again (what it saw before and after goes to ``seen``)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
        seen["before"] = conn.execute(READ_SQL_ONE).fetchone()
        ready.set()
        time.sleep(seconds)
        seen["after"] = conn.execute(READ_SQL_ONE).fetchone()
    done.set()


READ_SQL_ONE = "SELECT count(*), min(business_name), max(business_name) FROM curated.umkm"


def test_postgres_readers_never_wait_and_never_see_empty_or_mixed_tables(postgres_url):
    """A REPEATABLE READ reader whose snapshot predates the publish keeps seeing the old
    rows; a long reader holding the table does not hold up the publish; other readers'
    queries are not stalled while it runs (the stall is measured)."""
    import threading

    publish(postgres_url, make_publication(1, 5_000))
    dsn = postgres_url.replace("postgresql+psycopg", "postgresql")
    seen, ready, done = {}, threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_table_in_a_transaction, args=(dsn, "REPEATABLE READ", 3.0, seen, ready, done)
    )
    holder.start()
    assert ready.wait(10)
    latencies, stop = [], threading.Event()

    def other_reader():
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            while not stop.is_set():
                started = time.perf_counter()
                conn.execute(READ_SQL_ONE).fetchone()
                latencies.append(time.perf_counter() - started)
                time.sleep(0.01)

    reader = threading.Thread(target=other_reader)
    reader.start()
    started = time.perf_counter()
    publish(postgres_url, make_publication(2, 6_000))
    publish_seconds = time.perf_counter() - started
    stop.set()
    reader.join()
    holder.join()
    assert done.is_set() and not holder.is_alive()
    print(
        f"publish {publish_seconds:.2f}s beside a 3 s REPEATABLE READ reader; other readers' "
        f"longest query {max(latencies) * 1000:.0f} ms over {len(latencies)} queries"
    )
    assert publish_seconds < 3.0, "the publish waited for the long reader"
    assert seen["before"] == seen["after"] == (5_000, "v1", "v1")  # old rows, never empty
    assert len(latencies) > 10 and max(latencies) < 1.0, max(latencies)
    assert read_once(postgres_url) == _complete(2, 6_000)
    assert (
        sql(
            postgres_url,
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'staging'",
        )[0][0]
        == 0
    )


def test_postgres_a_changed_table_waits_for_readers_and_names_them(
    postgres_url, monkeypatch, caplog
):
    """A table whose columns changed is replaced whole, which waits for a reader's lock:
    the retries are logged with the blocking session, and the publish succeeds after."""
    import logging
    import threading

    import umkm.publish.warehouse as warehouse

    publish(postgres_url, make_publication(1, 200))
    monkeypatch.setattr(warehouse, "LOCK_TIMEOUT", "500ms")
    dsn = postgres_url.replace("postgresql+psycopg", "postgresql")
    seen, ready, done = {}, threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_table_in_a_transaction, args=(dsn, "READ COMMITTED", 1.5, seen, ready, done)
    )
    holder.start()
    assert ready.wait(10)
    changed = make_publication(2, 250)
    changed.replace["curated.umkm"]["sector_label"] = "Perdagangan"
    with caplog.at_level(logging.WARNING, logger="publish-test"):
        publish(postgres_url, changed, logger=logging.getLogger("publish-test"))
    holder.join()
    assert "attempt 1 of 5 timed out" in caplog.text and "curated.umkm: pid" in caplog.text
    assert read_once(postgres_url) == _complete(2, 250)
