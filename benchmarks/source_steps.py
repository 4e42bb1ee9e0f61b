"""Benchmark: the 29 source steps in one process (the nightly job's executor) against
Dagster's multiprocess executor, on one landing zone and warehouse.

    .venv/bin/python benchmarks/source_steps.py --landing DIR --warehouse W.duckdb [--max-concurrent 2]

Runs the ``sources`` group of assets (read, validate, standardise every source, with their
checks) twice on a temporary Dagster instance: with the in-process executor of the
``nightly`` job, and with the multiprocess executor (``--max-concurrent`` processes at a
time), and prints the wall time of each. ``W`` is read (previous snapshots, the archive) and
never written. Both runs leave out the run's writer lock: it belongs to one process, so
under the multiprocess executor each step's process would wait for the other's, and the
figure would be the lock's, not the executor's. The answer decides ``pipelines/jobs.py``'s
executor: measured, not assumed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resources.warehouse import Warehouse  # noqa: E402
from umkm.settings import FILE_MEMO_DIR_ENV, FILE_MEMO_OFF  # noqa: E402

JOB = "source_steps"


class UnlockedWarehouse(Warehouse):
    """The warehouse resource without the run's writer lock (the benchmark only reads)."""

    def _hold_lock(self) -> None:
        return None


def source_steps_job() -> dg.JobDefinition:
    """The ``sources`` group as a job of its own, with the executor named by
    ``UMKM_BENCH_EXECUTOR`` (``in_process`` or ``multiprocess``)."""
    from pipelines.definitions import build_defs

    nightly = build_defs()
    if os.environ["UMKM_BENCH_EXECUTOR"] == "multiprocess":
        executor = dg.multiprocess_executor.configured(
            {"max_concurrent": int(os.environ["UMKM_BENCH_MAX_CONCURRENT"])}
        )
    else:
        executor = dg.in_process_executor
    job = dg.define_asset_job(
        JOB, selection=dg.AssetSelection.groups("sources"), executor_def=executor
    )
    resources = {
        **nightly.resources,
        "warehouse": UnlockedWarehouse(
            url=os.environ["UMKM_WAREHOUSE_URL"], pii_hash_key=os.environ["UMKM_PII_HASH_KEY"]
        ),
    }
    return dg.Definitions(
        assets=nightly.assets, asset_checks=nightly.asset_checks, resources=resources, jobs=[job]
    ).resolve_job_def(JOB)


def timed_run(executor: str) -> float:
    os.environ["UMKM_BENCH_EXECUTOR"] = executor
    with tempfile.TemporaryDirectory(prefix="umkm-bench-home-") as home:
        with dg.instance_for_test(temp_dir=home) as instance:
            started = time.perf_counter()
            result = dg.execute_job(dg.reconstructable(source_steps_job), instance=instance)
            seconds = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"the {executor} run failed")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--max-concurrent", type=int, default=2)
    args = parser.parse_args()
    os.environ.update(
        {
            "UMKM_LANDING_DIR": str(args.landing),
            "UMKM_WAREHOUSE_URL": f"duckdb:///{args.warehouse}",
            "UMKM_PII_HASH_KEY": os.environ.get("UMKM_PII_HASH_KEY", "benchmark-only-key"),
            "UMKM_BENCH_MAX_CONCURRENT": str(args.max_concurrent),
            # every file read in both runs: the second would otherwise take the first's memo
            FILE_MEMO_DIR_ENV: FILE_MEMO_OFF,
        }
    )
    in_process = timed_run("in_process")
    print(f"29 source steps, in one process: {in_process:.1f}s")
    multiprocess = timed_run("multiprocess")
    print(
        f"29 source steps, multiprocess executor (max_concurrent {args.max_concurrent}): "
        f"{multiprocess:.1f}s ({multiprocess / in_process:.0%} of in-process)"
    )


if __name__ == "__main__":
    main()
