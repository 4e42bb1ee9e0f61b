"""The Dagster UI in a real browser: the asset graph, the checks, and a nightly run launched
from the UI on a small generated landing zone.

Starts ``dagster dev`` (webserver and daemon, which starts queued runs) on a free localhost
port with a throw-away ``DAGSTER_HOME`` holding ``pipelines/dagster.yaml``, and drives the
Debian ``chromium`` through Playwright (no browser download). Screenshots go to
``$UMKM_TEST_ARTIFACTS/ui`` (default: the test's temporary folder). Skipped when there is no
Chromium, unless ``UMKM_REQUIRE_BROWSER_TEST=1`` (CI sets it), which makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from schemas.catalog import SOURCES
from tests.conftest import query
from umkm.demo import generate_landing_zone

PROJECT = Path(__file__).resolve().parent.parent
#: drives Chromium against `dagster dev`, which takes a few minutes
pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = os.environ.get("UMKM_CHROMIUM", "/usr/bin/chromium")
LOCATION = "__repository__@pipelines.definitions"
ASSETS = [f"source_{s.key}" for s in SOURCES] + [
    "standardised_records",
    "matched_records",
    "business_ids",
    "golden_businesses",
    "curated/umkm",
    "quality/rejected_record",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("UMKM_REQUIRE_BROWSER_TEST") == "1":
        raise RuntimeError(
            f"browser test required but {CHROMIUM} is missing (apt-get install -y chromium)"
        )
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(base: str, query_text: str) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query_text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def _wait_until_loaded(base: str, process: subprocess.Popen, log: Path, timeout=120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster dev exited: {log.read_text()[-3000:]}")
        try:
            data = _graphql(
                base,
                "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }",
            )
            entries = data["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"the UI did not load within {timeout}s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """``dagster dev`` on a 150-business, two-day landing zone; yields base URL and paths."""
    tmp = tmp_path_factory.mktemp("ui")
    landing, home = tmp / "landing", tmp / "dagster_home"
    generate_landing_zone(landing, businesses=150, days=2, seed=3)
    home.mkdir()
    shutil.copy(PROJECT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    warehouse = tmp / "warehouse.duckdb"
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "UMKM_LANDING_DIR": str(landing),
        "UMKM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "UMKM_PII_HASH_KEY": "ui-test-key",
        "UMKM_DELIVERY_SENSOR_DEFAULT": "stopped",
    }  # the run under test is the UI's own
    log = tmp / "dagster-dev.log"
    dagster = Path(sys.executable).parent / "dagster"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_loaded(base, process, log)
        artifacts = Path(os.environ.get("UMKM_TEST_ARTIFACTS", tmp)) / "ui"
        artifacts.mkdir(parents=True, exist_ok=True)
        yield {"base": base, "warehouse": warehouse, "artifacts": artifacts, "log": log}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the session of dagster dev started here
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def page(ui):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(30_000)
        skip = page.get_by_role("button", name="Skip")  # the first-visit community dialog
        page.add_locator_handler(skip, lambda: skip.click())
        yield page
        browser.close()


def test_the_asset_graph_shows_every_asset_and_its_checks(ui, page):
    expect = sync_api.expect
    page.goto(f"{ui['base']}/asset-groups")
    expect(page.get_by_text("Global asset lineage")).to_be_visible()
    for group in ("sources", "entities", "warehouse"):
        expect(page.get_by_text(group, exact=True).first).to_be_visible()
    page.screenshot(path=ui["artifacts"] / "asset_graph.png")

    page.set_viewport_size({"width": 1600, "height": 4000})  # the list renders visible rows only
    page.goto(f"{ui['base']}/assets")
    for name in ASSETS:
        expect(page.locator(f'a[href="/assets/{name}"]').first).to_be_visible()
    page.set_viewport_size({"width": 1600, "height": 1000})

    for asset, checks in {
        "source_jdid": ("raw_schema", "conservation", "freshness"),
        "business_ids": ("id_churn", "every_record_accounted_for"),
        "curated/umkm": ("curated_pandera", "great_expectations"),
    }.items():
        page.goto(f"{ui['base']}/assets/{asset}?view=checks")
        for check in checks:
            expect(page.get_by_text(check, exact=True).first).to_be_visible()

    page.goto(f"{ui['base']}/automation")
    for automation in ("new_delivery_sensor", "nightly_at_0100_wib"):
        expect(page.get_by_text(automation, exact=True).first).to_be_visible()


def test_launch_nightly_from_the_ui_and_wait_for_success(ui, page):
    expect = sync_api.expect
    page.goto(f"{ui['base']}/locations/{LOCATION}/jobs/nightly")
    expect(page.get_by_text("umkm/pipeline: nightly")).to_be_visible()
    page.get_by_role("button", name="Materialize all").click()

    run_id = None
    deadline = time.monotonic() + 30
    while run_id is None and time.monotonic() < deadline:
        runs = _graphql(
            ui["base"],
            '{ runsOrError(filter: {pipelineName: "nightly"}) '
            "{ ... on Runs { results { runId tags { key value } } } } }",
        )
        results = runs["runsOrError"]["results"]
        run_id = results[0]["runId"] if results else None
        time.sleep(1)
    assert run_id, "no run was launched from the UI"
    tags = {t["key"]: t["value"] for t in results[0]["tags"]}
    assert tags.get("dagster/from_ui") == "true" and tags.get("umkm/pipeline") == "nightly"

    page.goto(f"{ui['base']}/runs/{run_id}")
    expect(page.get_by_text("Success", exact=True).first).to_be_visible(timeout=150_000)
    page.screenshot(path=ui["artifacts"] / "nightly_run.png")
    status = _graphql(
        ui["base"], f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ status }} }} }}'
    )
    assert status["runOrError"]["status"] == "SUCCESS", ui["log"].read_text()[-3000:]

    page.goto(f"{ui['base']}/assets/business_ids?view=checks")
    expect(page.get_by_text("id_churn", exact=True).first).to_be_visible()
    expect(page.get_by_text("Succeeded").first).to_be_visible()
    page.screenshot(path=ui["artifacts"] / "business_ids_checks.png")
    page.goto(f"{ui['base']}/locations/{LOCATION}/asset-groups/entities")
    expect(page.get_by_text("golden_businesses").first).to_be_visible()
    page.screenshot(path=ui["artifacts"] / "entities_after_run.png")
    published = query(ui["warehouse"], "SELECT count(*) AS n FROM curated.umkm")
    assert published["n"].iloc[0] > 100
