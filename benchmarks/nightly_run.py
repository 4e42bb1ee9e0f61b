"""Benchmark: generate N businesses, run the nightly job once, print wall time per step and
peak memory.

    .venv/bin/python benchmarks/nightly_run.py --businesses 20000 [--days 1] [--keep DIR]

The job runs as ``dagster job execute`` in a child process, as an operator would run it; peak
memory is that process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Dagster writes step times as '812ms', '4.2s' or '1m12s'
STEP_DONE = re.compile(
    r'STEP_SUCCESS - Finished execution of step "([^"]+)" in (?:(\d+)m(?!s))?([\d.]+)?(ms|s)?')


#: runs argv[1:] and prints the peak resident memory of that process tree's largest process
_MEASURED_CHILD = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print(f'PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', "
    "file=sys.stderr); sys.exit(rc)"
)
PEAK = re.compile(r"PEAK_RSS_KB=(\d+)")


def _seconds(minutes: str, value: str, unit: str) -> float:
    seconds = float(minutes or 0) * 60
    if value:
        seconds += float(value) / 1000 if unit == "ms" else float(value)
    return seconds


def generate(businesses: int, days: int, seed: int, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "umkm.demo", "--businesses", str(businesses), "--days", str(days),
         "--seed", str(seed), "--out", str(out)],
        check=True, cwd=ROOT,
    )
    return time.perf_counter() - started


COUNT_PAIRS_CONFIG = "ops:\n  matched_records:\n    config:\n      count_candidate_pairs: true\n"
CANDIDATE_PAIRS = re.compile(r"(\d+) candidate pairs")


def run_job(landing: Path, warehouse: Path, count_pairs: bool = False) -> tuple[float, str]:
    env = {**os.environ, "UMKM_LANDING_DIR": str(landing),
           "UMKM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
           "UMKM_PII_HASH_KEY": os.environ.get("UMKM_PII_HASH_KEY", "benchmark-only-key")}
    command = [sys.executable, "-c", _MEASURED_CHILD, str(ROOT / ".venv/bin/dagster"), "job",
               "execute", "-m", "pipelines.definitions", "-j", "nightly"]
    if count_pairs:
        config = warehouse.parent / "count_pairs.yaml"
        config.write_text(COUNT_PAIRS_CONFIG)
        command += ["-c", str(config)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or "RUN_SUCCESS" not in done.stderr + done.stdout:
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit("the nightly job failed")
    return elapsed, done.stderr + done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--count-pairs", action="store_true",
                        help="also count the candidate pairs exactly (adds a join per rule)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="umkm-bench-"))
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    if not landing.exists():
        seconds = generate(args.businesses, args.days, args.seed, landing)
        print(f"generated {args.businesses} businesses x {args.days} day(s) in {seconds:.1f}s")
    elapsed, log = run_job(landing, warehouse, args.count_pairs)
    (work / "last_run.log").write_text(log)
    steps = [(name, _seconds(m, v, u)) for name, m, v, u in STEP_DONE.findall(log)]
    sources = sum(s for name, s in steps if name.startswith("source_"))
    peak_gb = int(PEAK.search(log).group(1)) / 1024 / 1024
    print(f"nightly job, {args.businesses} businesses: {elapsed:.1f}s wall, "
          f"peak memory {peak_gb:.2f} GB")
    slowest = sorted((step for step in steps if step[0].startswith("source_")),
                     key=lambda step: -step[1])[:3]
    print(f"  29 source steps together: {sources:.1f}s "
          f"(slowest: {', '.join(f'{n} {s:.1f}s' for n, s in slowest)})")
    for name, s in steps:
        if not name.startswith("source_"):
            print(f"  {name}: {s:.1f}s")
    print("  (rest: process start, definitions loading and run bookkeeping)")
    if args.count_pairs and CANDIDATE_PAIRS.search(log):
        print(f"  candidate pairs: {int(CANDIDATE_PAIRS.search(log).group(1)):,}")
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    for table in ("curated.umkm", "curated.umkm_source_record", "quality.rejected_record"):
        print(f"  {table}: {con.execute(f'SELECT count(*) FROM {table}').fetchone()[0]:,} rows")


if __name__ == "__main__":
    main()
