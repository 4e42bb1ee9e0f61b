"""Command line: ``python -m umkm.demo --businesses N --days D --seed S --out DIR``."""

from __future__ import annotations

import argparse
import time
from datetime import date

from umkm.demo.generator import DEFAULT_START_DATE, generate_landing_zone


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The generator's options."""
    parser = argparse.ArgumentParser(
        prog="python -m umkm.demo", description="Write a demo UMKM landing zone."
    )
    parser.add_argument(
        "--businesses", type=int, required=True, help="number of true Banten businesses"
    )
    parser.add_argument(
        "--days", type=int, default=1, help="number of consecutive daily deliveries"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    parser.add_argument("--out", required=True, help="landing-zone root folder")
    parser.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=DEFAULT_START_DATE,
        help="first delivery date, YYYY-MM-DD",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Generate and print a short summary."""
    arguments = parse_arguments(argv)
    started = time.perf_counter()
    summary = generate_landing_zone(
        arguments.out, arguments.businesses, arguments.days, arguments.seed, arguments.start_date
    )
    elapsed = time.perf_counter() - started
    for delivery_date in summary.delivery_dates:
        print(
            f"{delivery_date}: {summary.rows_on(delivery_date)} rows in {len(summary.rows[delivery_date])} files"
        )
    if summary.broken_file:
        print(f"broken file: {summary.broken_file['path']} ({summary.broken_file['kind']})")
    if summary.incomplete_date:
        print(f"incomplete delivery (no _SUCCESS): {summary.incomplete_date}")
    print(
        f"{summary.total_rows} rows for {summary.final_businesses} businesses in {elapsed:.1f} s; "
        f"truth: {summary.truth_path}"
    )


if __name__ == "__main__":
    main()
