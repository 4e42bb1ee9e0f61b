"""A real BI client against the published warehouse: Apache Superset 6.1 (pinned, in a
virtualenv of its own) connects as the README's BI section says, to the DuckDB BI file
read-only and to PostgreSQL as a login that is a member of ``bi_reader``, and runs one SQL
Lab query per view through its REST API. Marker ``bi``; runs in CI.

Superset's packaging needs hand-pinned extras (``tests/bi_client/requirements.txt`` says
which and why) and is installed under the constraints it was seen working with
(``constraints.txt``), into ``data/bi-client/venv`` (reused while the requirements are the
same).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.wap_helpers import postgres_database, server_roles_held
from umkm.cli.roles import main as roles_main
from umkm.publish.warehouse_catalog import VIEWS

pytestmark = [pytest.mark.bi, pytest.mark.slow]  # installs and starts Apache Superset

ROOT = Path(__file__).resolve().parent.parent
CLIENT = Path(__file__).resolve().parent / "bi_client"
VENV = ROOT / "data" / "bi-client" / "venv"
ANALYST, ANALYST_PASSWORD = "superset_analyst", "analyst-test-password"


def _superset_venv() -> Path:
    """Superset's own venv, installed once per pinned requirements (pip's wheel cache makes a
    fresh clone's install a local one after the first)."""
    requirements = (CLIENT / "requirements.txt").read_bytes() + (
        CLIENT / "constraints.txt"
    ).read_bytes()
    stamp = VENV / f".installed-{hashlib.sha1(requirements).hexdigest()[:12]}"
    if not stamp.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        # no pip of its own (ensurepip once failed here for no reason it printed): the
        # project's pip installs into it
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(VENV)], check=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(VENV / "bin/python"),
                "install",
                "-q",
                "-r",
                str(CLIENT / "requirements.txt"),
                "-c",
                str(CLIENT / "constraints.txt"),
            ],
            check=True,
        )
        stamp.touch()
    return VENV


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def superset(tmp_path_factory):
    """A running Superset (URL) with an admin user, in a throwaway home."""
    venv = _superset_venv()
    home = tmp_path_factory.mktemp("superset")
    env = {
        **os.environ,
        "BI_CLIENT_HOME": str(home),
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(CLIENT / "superset_config.py"),
        "FLASK_APP": "superset",
    }
    superset_cli = str(venv / "bin/superset")
    for command in (
        ["db", "upgrade"],
        [
            "fab",
            "create-admin",
            "--username",
            "admin",
            "--firstname",
            "A",
            "--lastname",
            "B",
            "--email",
            "admin@example.com",
            "--password",
            "admin",
        ],
        ["init"],
    ):
        subprocess.run([superset_cli, *command], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(venv / "bin/gunicorn"),
            "-w",
            "1",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "superset.app:create_app()",
        ],
        env=env,
        stdout=(home / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                assert server.poll() is None, (home / "server.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "Superset did not start"
                time.sleep(1)
        yield {"url": url, "env": env, "venv": venv}
    finally:
        server.terminate()
        server.wait(30)


def _query_views(superset, name: str, uri: str) -> list[dict]:
    done = subprocess.run(
        [
            str(superset["venv"] / "bin/python"),
            str(CLIENT / "smoke.py"),
            name,
            uri,
            *[view.name for view in VIEWS],
        ],
        env={**superset["env"], "SUPERSET_URL": superset["url"]},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _assert_every_view_answered(results: list[dict]) -> None:
    assert [r["view"] for r in results] == [view.name for view in VIEWS]
    failed = [r for r in results if r["status"] != "success"]
    assert not failed, failed
    assert all(r["rows"] > 0 for r in results), results


def test_superset_queries_every_view_of_the_duckdb_bi_file(superset, published):
    results = _query_views(superset, "umkm_duckdb", f"duckdb:///{published}")
    _assert_every_view_answered(results)
    print(json.dumps(results, indent=1))


@pytest.mark.postgres
def test_superset_queries_every_view_of_postgres_as_a_bi_reader(superset, small_landing):
    from tests.conftest import run_nightly

    with postgres_database() as url, server_roles_held():
        run_nightly(small_landing, None, url=url)
        roles_main(["--url", url])
        dsn = url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {ANALYST}")
            conn.execute(
                f"CREATE ROLE {ANALYST} LOGIN PASSWORD '{ANALYST_PASSWORD}' IN ROLE bi_reader"
            )
        database = url.rsplit("/", 1)[1]
        uri = f"postgresql+psycopg2://{ANALYST}:{ANALYST_PASSWORD}@127.0.0.1:5432/{database}"
        try:
            results = _query_views(superset, "umkm_postgres", uri)
        finally:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"DROP OWNED BY {ANALYST}")
        _assert_every_view_answered(results)
        print(json.dumps(results, indent=1))
