"""The names the Dagster Definitions expose, compared with a checked-in snapshot
(``tests/snapshots/definitions.json``): renaming or dropping an asset, a check, the job, the
schedule or the sensor shows in review as a change of that file. Regenerate it with

    UMKM_UPDATE_SNAPSHOTS=1 scripts/test tests/test_definitions_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import nightly_definitions

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"
UPDATE_ENV = "UMKM_UPDATE_SNAPSHOTS"


def definitions_names(tmp_path: Path) -> dict[str, list[str]]:
    defs = nightly_definitions(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    graph = defs.resolve_asset_graph()
    return {
        "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
        "asset_checks": sorted(
            f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys
        ),
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(s.name for s in defs.schedules or []),
        "sensors": sorted(s.name for s in defs.sensors or []),
    }


def test_definitions_match_the_snapshot(tmp_path):
    current = definitions_names(tmp_path)
    text = json.dumps(current, indent=2) + "\n"
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), f"no snapshot yet: {UPDATE_ENV}=1 scripts/test {__file__}"
    expected = json.loads(SNAPSHOT.read_text())
    changes = {
        part: {
            "added": sorted(set(current[part]) - set(expected.get(part, []))),
            "removed": sorted(set(expected.get(part, [])) - set(current[part])),
        }
        for part in current
    }
    changes = {p: c for p, c in changes.items() if c["added"] or c["removed"]}
    assert not changes, (
        f"the Definitions changed: {json.dumps(changes, indent=1)}\nIf that is intended, "
        f"regenerate the snapshot with `{UPDATE_ENV}=1 scripts/test "
        f"tests/test_definitions_snapshot.py` and commit tests/snapshots/definitions.json"
    )
