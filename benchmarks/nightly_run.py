"""Benchmark: the nightly job at a given size, as an operator runs it: a training night, a
full night with the model reused, and an incremental night, each after a night like it.

    .venv/bin/python benchmarks/nightly_run.py --businesses 800000 [--keep DIR] [--seed 1]

Generates a landing zone of N businesses over two delivery days (kept in ``--keep DIR`` and
reused when it exists), then runs ``dagster job execute`` four times:

1. **training night**: the first delivery into an empty warehouse (the model is trained);
2. **settling night**: the first delivery again, into the same warehouse. The records now
   hold last night's ids, as on every night after the first, so the links that keep them
   together (continuity) are what the next night starts from: an incremental night keeps
   the clusters of the components that did not change since, which it cannot after the
   first night (whose components had no such links);
3. **full night**: both deliveries, every candidate pair scored and every component
   clustered (``full_rebuild: true``), from a copy of the warehouse after night 2;
4. **incremental night**: the same inputs as 3, from another copy of it, scoring only the
   pairs that touch a new or changed record, clustering only the components that changed,
   and taking the files nights 1 and 2 read from their file memo (the full night reads every
   file); its businesses and ids must be those of night 3 (the benchmark compares them).

Per night it prints wall time, the time of each step, the peak memory of the job's process
tree (every process, DuckDB included: the sum of their resident sets, sampled every 0.2 s)
and the step it was seen in,
the peak size of DuckDB's spill folder (``UMKM_DUCKDB_TEMP_DIR``), candidate pairs (per
record) and the pairs scored.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil

from umkm.publish.warehouse import copy_duckdb_warehouse, open_with_restricted
from umkm.settings import FILE_MEMO_OFF

ROOT = Path(__file__).resolve().parent.parent
#: Dagster writes step times as '812ms', '4.2s' or '1m12s'
STEP_DONE = re.compile(
    r'STEP_SUCCESS - Finished execution of step "([^"]+)" in (?:(\d+)m(?!s))?([\d.]+)?(ms|s)?'
)
MATCHED = re.compile(
    r"(\d+) records -> (\d+) businesses \((\w+) night.*?\); (\d+) candidate "
    r"pairs, (\d+) scored tonight"
)
COMPONENTS = re.compile(r"(\d+) components clustered and (\d+) kept")
FULL_REBUILD = "ops:\n  matched_records:\n    config:\n      full_rebuild: true\n"
#: a step starting, with the time of the log line
STEP_START = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}) .*? - STEP_START - "
    r'Started execution of step "([^"]+)"',
    re.MULTILINE,
)


def _seconds(minutes: str, value: str, unit: str) -> float:
    seconds = float(minutes or 0) * 60
    if value:
        seconds += float(value) / 1000 if unit == "ms" else float(value)
    return seconds


class PeakWatch:
    """Samples a process tree's summed resident memory and a folder's size until stopped."""

    def __init__(self, pid: int, folder: Path):
        self.pid, self.folder = pid, folder
        self.peak_rss = self.peak_spill = 0
        self.peak_at = 0.0  # when the peak was seen (seconds since the epoch)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                if rss > self.peak_rss:
                    self.peak_rss, self.peak_at = rss, time.time()
            except psutil.Error:
                pass
            spill = sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())
            self.peak_spill = max(self.peak_spill, spill)
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def generate(businesses: int, seed: int, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "umkm.demo",
            "--businesses",
            str(businesses),
            "--days",
            "2",
            "--seed",
            str(seed),
            "--out",
            str(out),
        ],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def night_landing(landing: Path, work: Path, days: int) -> Path:
    """A landing root with the first ``days`` complete deliveries (symbolic links)."""
    folder = work / f"landing_{days}_days"
    folder.mkdir(exist_ok=True)
    deliveries = sorted(p.name for p in landing.iterdir() if (p / "_SUCCESS").exists())
    for day in deliveries[:days]:
        if not (folder / day).exists():
            (folder / day).symlink_to(landing / day)
    return folder


def run_night(
    label: str,
    landing: Path,
    warehouse: Path,
    work: Path,
    config: str | None = None,
    file_memo: Path | None = None,
) -> dict:
    spill = work / "spill"
    spill.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "UMKM_FILE_MEMO_DIR": str(file_memo) if file_memo else FILE_MEMO_OFF,
        "UMKM_LANDING_DIR": str(landing),
        "UMKM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "UMKM_DUCKDB_TEMP_DIR": str(spill),
        "UMKM_PII_HASH_KEY": os.environ.get("UMKM_PII_HASH_KEY", "benchmark-only-key"),
    }
    command = [
        str(ROOT / ".venv/bin/dagster"),
        "job",
        "execute",
        "-m",
        "pipelines.definitions",
        "-j",
        "nightly",
    ]
    if config:
        path = work / f"{label}.yaml"
        path.write_text(config)
        command += ["-c", str(path)]
    log_path = work / f"{label}.log"
    started = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        watch = PeakWatch(process.pid, spill)
        process.wait()
        watch.stop()
    elapsed = time.perf_counter() - started
    text = log_path.read_text()
    if process.returncode != 0 or "RUN_SUCCESS" not in text:
        sys.stderr.write(text[-5000:])
        raise SystemExit(f"the {label} failed (log: {log_path})")
    steps = [(name, _seconds(m, v, u)) for name, m, v, u in STEP_DONE.findall(text)]
    started_steps = [
        (datetime.strptime(at, "%Y-%m-%d %H:%M:%S %z").timestamp(), name)
        for at, name in STEP_START.findall(text)
    ]
    # the step that had started last when the peak was seen (log times are whole seconds)
    peak_step = max((s for s in started_steps if s[0] <= watch.peak_at + 1), default=(0.0, "?"))[1]
    matched = MATCHED.search(text)
    components = COMPONENTS.search(text)
    return {
        "label": label,
        "seconds": elapsed,
        "steps": steps,
        "peak_gb": watch.peak_rss / 2**30,
        "peak_step": peak_step,
        "spill_gb": watch.peak_spill / 2**30,
        "records": int(matched.group(1)) if matched else 0,
        "businesses": int(matched.group(2)) if matched else 0,
        "night": matched.group(3) if matched else "?",
        "candidate_pairs": int(matched.group(4)) if matched else 0,
        "pairs_scored": int(matched.group(5)) if matched else 0,
        "components_clustered": int(components.group(1)) if components else 0,
        "components_kept": int(components.group(2)) if components else 0,
    }


def report(night: dict) -> None:
    steps = night["steps"]
    sources = sum(s for name, s in steps if name.startswith("source_"))
    slowest = sorted((s for s in steps if s[0].startswith("source_")), key=lambda s: -s[1])[:3]
    per_record = night["candidate_pairs"] / max(night["records"], 1)
    print(
        f"{night['label']} ({night['night']}): {night['seconds']:.1f}s wall, peak memory "
        f"{night['peak_gb']:.2f} GB (process tree, in {night['peak_step']}), "
        f"DuckDB spill {night['spill_gb']:.2f} GB"
    )
    print(
        f"  {night['records']:,} records -> {night['businesses']:,} businesses; "
        f"{night['candidate_pairs']:,} candidate pairs ({per_record:.2f} per record), "
        f"{night['pairs_scored']:,} scored tonight; {night['components_clustered']:,} "
        f"components of links clustered, {night['components_kept']:,} kept from last night"
    )
    print(
        f"  29 source steps together: {sources:.1f}s "
        f"(slowest: {', '.join(f'{n} {s:.1f}s' for n, s in slowest)})"
    )
    for name, s in steps:
        if not name.startswith("source_"):
            print(f"  {name}: {s:.1f}s")


def published_ids(warehouse: Path):
    con = open_with_restricted(warehouse)
    try:
        return con.execute(
            "SELECT source, source_record_id, umkm_id FROM curated.umkm_source_record ORDER BY 1, 2"
        ).df()
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--reuse-training-night",
        action="store_true",
        help="start from the warehouse an earlier run left in --keep DIR after its training "
        "and settling nights (for a change that cannot alter them), instead of running them "
        "again",
    )
    args = parser.parse_args()
    work = args.keep or Path(os.environ.get("TMPDIR", "/tmp")) / f"umkm-bench-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    landing = work / "landing"
    if not landing.exists():
        seconds = generate(args.businesses, args.seed, landing)
        print(f"generated {args.businesses:,} businesses x 2 days in {seconds:.1f}s")
    after_first = work / "after_first_night.duckdb"  # after the first delivery's two nights
    # the files the first delivery's nights read, as they left them (the full night reads
    # every file); the incremental night starts from a copy, so a later run with
    # --reuse-training-night does not find tonight's files already read
    memo_after_first = work / "file_memo_after_first_night"
    if args.reuse_training_night and after_first.exists():
        print(f"training and settling nights: reused from {after_first} (not run again)")
        for leftover in [*work.glob("full*.duckdb*"), *work.glob("incremental*.duckdb*")]:
            leftover.unlink()
        if not memo_after_first.exists():
            print(f"no file memo in {memo_after_first}: the incremental night reads every file")
    else:
        for leftover in work.glob("*.duckdb*"):
            leftover.unlink()
        shutil.rmtree(memo_after_first, ignore_errors=True)
        first = run_night(
            "training night",
            night_landing(landing, work, 1),
            after_first,
            work,
            file_memo=memo_after_first,
        )
        report(first)
        # kept for the accuracy benchmark: what a night with nothing new changes
        copy_duckdb_warehouse(after_first, work / "after_training_night.duckdb")
        settling = run_night(
            "settling night",
            night_landing(landing, work, 1),
            after_first,
            work,
            file_memo=memo_after_first,
        )
        report(settling)
    full_warehouse = work / "full.duckdb"
    copy_duckdb_warehouse(after_first, full_warehouse)
    full = run_night(
        "full night", night_landing(landing, work, 2), full_warehouse, work, FULL_REBUILD
    )
    report(full)
    incremental_warehouse = work / "incremental.duckdb"
    copy_duckdb_warehouse(after_first, incremental_warehouse)
    memo = work / "file_memo"
    shutil.rmtree(memo, ignore_errors=True)
    if memo_after_first.exists():
        shutil.copytree(memo_after_first, memo)
    incremental = run_night(
        "incremental night",
        night_landing(landing, work, 2),
        incremental_warehouse,
        work,
        file_memo=memo,
    )
    report(incremental)
    print(f"incremental night: {incremental['seconds'] / full['seconds']:.0%} of the full night")
    same = published_ids(full_warehouse).equals(published_ids(incremental_warehouse))
    print(f"incremental and full night give the same records, businesses and ids: {same}")


if __name__ == "__main__":
    main()
