"""Fuzz benchmark: many hostile files for each of the 29 sources through the real source step.

    .venv/bin/python benchmarks/fuzz_sources.py --files 10000 [--workers 2] [--seed 0]

Draws files with the strategies of ``tests/hostile_files.py`` (the property tests use the
same ones, with few examples) and loads each with ``load_source_snapshot``. Prints, per
source (and its format): files tried, crashes (an exception escaping the step, or a file whose processing
raised and was passed over as ``failed``), conservation failures (rows read != accepted +
quarantined, an accepted record without its key, a quarantined row without a known reason),
and what became of the files and rows. Any crash or failure is printed with its file.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fuzz_source(source_key: str, files: int, seed: int) -> dict:
    """Run ``files`` drawn files of one source; counts and the first problems found."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    from schemas.catalog import SOURCES_BY_KEY
    from tests.hostile_files import hostile_file
    from tests.test_fuzz_sources import RowsLost, SourceCrashed, check_source_survives

    logging.disable(logging.CRITICAL)
    source = SOURCES_BY_KEY[source_key]
    counts: Counter = Counter()
    problems: list[str] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=files, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(drawn=hostile_file(source))
    def run(drawn) -> None:
        counts["files"] += 1
        try:
            check_source_survives(drawn)
        except (SourceCrashed, RowsLost) as failure:
            kind = "crashes" if isinstance(failure, SourceCrashed) else "conservation_failures"
            counts[kind] += 1
            if len(problems) < 5:
                problems.append(f"{kind}: {failure!s:.300} in {drawn!r:.400}")
        except Exception:  # the harness itself
            counts["crashes"] += 1
            if len(problems) < 5:
                problems.append(f"harness: {traceback.format_exc(limit=3)!s:.600}")

    started = time.perf_counter()
    run()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return {"source": source_key, "format": source.format.name, **counts, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000, help="files in all sources")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from schemas.catalog import SOURCES

    sources = [s.key for s in SOURCES]
    per_source = -(-args.files // len(sources))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(
            pool.map(
                fuzz_source,
                sources,
                [per_source] * len(sources),
                [args.seed + n for n in range(len(sources))],
            )
        )
    print(
        f"{'source':<14} {'format':<10} {'files':>7} {'crashes':>8} "
        f"{'conservation failures':>22} {'s':>7}"
    )
    total = Counter()
    for r in results:
        print(
            f"{r['source']:<14} {r['format']:<10} {r.get('files', 0):>7} "
            f"{r.get('crashes', 0):>8} {r.get('conservation_failures', 0):>22} "
            f"{r['seconds']:>7}"
        )
        total.update({k: r.get(k, 0) for k in ("files", "crashes", "conservation_failures")})
    print(
        f"{'all':<14} {'':<10} {total['files']:>7} {total['crashes']:>8} "
        f"{total['conservation_failures']:>22} {time.perf_counter() - started:>7.1f}"
    )
    for r in results:
        for problem in r["problems"]:
            print(f"[{r['source']}] {problem}")


if __name__ == "__main__":
    main()
