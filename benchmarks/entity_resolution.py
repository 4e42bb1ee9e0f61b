"""Accuracy benchmark of entity resolution over three nightly runs, against the ground truth.

    .venv/bin/python benchmarks/entity_resolution.py --businesses 20000 [--keep DIR]

Generates a landing zone of four delivery days (the fourth is left incomplete by the
generator), then runs the ``nightly`` job three times into one warehouse: night k sees the
first k deliveries. After each night it prints pairwise precision / recall / F1, B-cubed F1
and the error in the number of businesses, on the records the ground truth ties to a real
Banten business; from night two on, the share of businesses whose records did not change
(the same record keys in both nights) that got a new ``umkm_id``. Last, a generic Splink
deduplication of the final night's records on their raw fields (no domain standardisation)
as the baseline.

    .venv/bin/python benchmarks/entity_resolution.py --keep DIR --score W1 W2 W3

scores warehouses that other runs published from ``DIR/landing`` (for example the nights
``benchmarks/nightly_run.py --keep DIR`` left there) as consecutive nights, without running
the job.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from umkm.resolution.evaluation import ClusteringScores, score_clustering  # noqa: E402


def generate(businesses: int, seed: int, out: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "umkm.demo",
            "--businesses",
            str(businesses),
            "--days",
            "4",
            "--seed",
            str(seed),
            "--out",
            str(out),
        ],
        check=True,
        cwd=ROOT,
    )


def night_landing(landing: Path, days: list[str], work: Path, night: int) -> Path:
    folder = work / f"night{night}"
    folder.mkdir(exist_ok=True)
    for day in days[:night]:
        link = folder / day
        if not link.exists():
            link.symlink_to(landing / day)
    return folder


def run_night(landing: Path, warehouse: Path) -> float:
    env = {
        **os.environ,
        "UMKM_LANDING_DIR": str(landing),
        "UMKM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "UMKM_PII_HASH_KEY": os.environ.get("UMKM_PII_HASH_KEY", "benchmark-only-key"),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(ROOT / ".venv/bin/dagster"),
            "job",
            "execute",
            "-m",
            "pipelines.definitions",
            "-j",
            "nightly",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if "RUN_SUCCESS" not in done.stderr + done.stdout:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit("the nightly job failed")
    return time.perf_counter() - started


def published_links(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        records = con.execute(
            "SELECT source, source_record_id, umkm_id FROM curated.umkm_source_record"
        ).df()
        current = con.execute("""
            SELECT source, strftime(delivered_on, '%Y-%m-%d') AS delivery_date
            FROM quality.source_delivery WHERE status = 'current'
              AND run_id = (SELECT run_id FROM quality.run_metrics
                            ORDER BY run_started_at DESC LIMIT 1)""").df()
    finally:
        con.close()
    return records, current


def with_truth(records: pd.DataFrame, current: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    in_snapshot = truth.merge(current, on=["source", "delivery_date"])
    joined = records.merge(
        in_snapshot[["source", "source_record_id", "business_id"]],
        on=["source", "source_record_id"],
        how="left",
    )
    return joined[joined["business_id"].fillna("") != ""]


def id_churn(before: pd.DataFrame, after: pd.DataFrame) -> tuple[int, int]:
    """Businesses with the same record keys on both nights, and how many of them changed id."""

    def keyed(frame):
        refs = frame.assign(ref=frame["source"] + ":" + frame["source_record_id"])
        refs = refs.astype({"ref": object, "umkm_id": object, "business_id": object})
        sets = refs.sort_values("ref").groupby("business_id")["ref"].agg("|".join)
        # each business's id: the one most of its records carry (ties: the smallest)
        counts = refs.groupby(["business_id", "umkm_id"]).size().rename("n").reset_index()
        ids = (
            counts.sort_values(["business_id", "n", "umkm_id"], ascending=[True, False, True])
            .drop_duplicates("business_id")
            .set_index("business_id")["umkm_id"]
        )
        return pd.DataFrame({"refs": sets, "umkm_id": ids})

    a, b = keyed(before), keyed(after)
    both = a.merge(b, left_index=True, right_index=True, suffixes=("_1", "_2"))
    unchanged = both[both["refs_1"] == both["refs_2"]]
    return len(unchanged), int((unchanged["umkm_id_1"] != unchanged["umkm_id_2"]).sum())


def baseline_scores(landing: Path, truth: pd.DataFrame) -> tuple[ClusteringScores, float]:
    """Generic Splink on the raw text of the same snapshots, no domain standardisation."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from schemas.catalog import SOURCES
    from umkm.ingest.landing import complete_deliveries
    from umkm.ingest.readers import read_source_file
    from umkm.ingest.snapshots import load_source_snapshot
    from umkm.standardise.records import source_fields

    deliveries = complete_deliveries(landing)
    frames = []
    for spec in SOURCES:
        snapshot = load_source_snapshot(deliveries, spec)
        if snapshot.source_file is None or not len(snapshot.accepted):
            continue
        raw = source_fields(read_source_file(Path(snapshot.source_file), spec.format).rows, spec)
        raw = raw[raw["source_record_id"].isin(snapshot.accepted["source_record_id"])]
        raw = raw.drop_duplicates("source_record_id")
        raw.insert(0, "source", spec.key)
        raw["delivery_date"] = str(snapshot.snapshot_date)
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True)
    for column in ("business_name", "owner_name", "phone", "email", "city", "kecamatan"):
        raw[column] = (
            raw.get(column, pd.Series(pd.NA, index=raw.index))
            .fillna("")
            .astype(str)
            .str.strip()
            .str.lower()
            .replace("", pd.NA)
        )
    raw["unique_id"] = range(len(raw))
    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("business_name", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("owner_name", [0.95, 0.88]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
            cl.ExactMatch("city"),
            cl.ExactMatch("kecamatan"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("phone"),
            block_on("email"),
            block_on("business_name"),
            block_on("substr(business_name, 1, 5)", "city"),
        ],
    )
    db_api = DuckDBAPI()
    table = db_api.register(
        raw[
            [
                "unique_id",
                "source",
                "business_name",
                "owner_name",
                "phone",
                "email",
                "city",
                "kecamatan",
            ]
        ]
    )
    linker = Linker(table, settings, log_level=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linker.training.estimate_probability_two_random_records_match(
            [block_on("phone", "business_name")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("business_name")
        )
        pairs = linker.inference.predict(threshold_match_probability=0.5)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pairs, threshold_match_probability=0.9
        ).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    labelled = raw.merge(clusters[["unique_id", "cluster_id"]], on="unique_id").merge(
        truth, on=["source", "source_record_id", "delivery_date"]
    )
    labelled = labelled[labelled["business_id"] != ""]
    return score_clustering(labelled["cluster_id"], labelled["business_id"]), seconds


def score_night(
    warehouse: Path, truth: pd.DataFrame, previous: pd.DataFrame | None
) -> pd.DataFrame:
    """Print the scores of one published night (and its id churn against ``previous``, the
    night before); returns its labelled records."""
    records, current = published_links(warehouse)
    labelled = with_truth(records, current, truth)
    scores = score_clustering(labelled["umkm_id"], labelled["business_id"])
    print(f"  {warehouse.name}: {len(records)} linked records")
    _print_scores("entity resolution", scores)
    if previous is not None:
        unchanged, new_ids = id_churn(previous, labelled)
        print(
            f"  id churn: {new_ids} of {unchanged} unchanged businesses got a new umkm_id "
            f"({new_ids / max(unchanged, 1):.3%})"
        )
    return labelled


def score_nights(warehouses: list[Path], landing: Path) -> None:
    """Score published warehouses as consecutive nights against ``landing``'s truth."""
    truth = pd.read_csv(landing / "_truth" / "ground_truth.csv", dtype=str, keep_default_na=False)
    previous = None
    for night, warehouse in enumerate(warehouses, start=1):
        print(f"night {night}:")
        previous = score_night(warehouse, truth, previous)


def _print_scores(label: str, scores: ClusteringScores) -> None:
    print(f"  {label}: {scores.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--score",
        type=Path,
        nargs="+",
        metavar="WAREHOUSE",
        help="score these published warehouses as consecutive nights (e.g. "
        "those benchmarks/nightly_run.py --keep DIR left) instead of "
        "running the job; the truth is DIR/landing's (--keep DIR)",
    )
    args = parser.parse_args()
    if args.score:
        if not args.keep:
            parser.error("--score needs --keep DIR, the folder whose landing/ was scored")
        score_nights(args.score, args.keep / "landing")
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="umkm-er-"))
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    if not landing.exists():
        generate(args.businesses, args.seed, landing)
    if warehouse.exists():
        warehouse.unlink()
    truth = pd.read_csv(landing / "_truth" / "ground_truth.csv", dtype=str, keep_default_na=False)
    days = sorted(p.name for p in landing.iterdir() if (p / "_SUCCESS").exists())
    print(f"{args.businesses} businesses, deliveries {days}")
    previous = None
    for night in (1, 2, 3):
        seconds = run_night(night_landing(landing, days, work, night), warehouse)
        print(f"night {night}: job {seconds:.1f}s")
        previous = score_night(warehouse, truth, previous)
    if not args.no_baseline:
        scores, seconds = baseline_scores(night_landing(landing, days, work, 3), truth)
        print(f"baseline (generic Splink on raw fields, {seconds:.1f}s):")
        _print_scores("baseline", scores)


if __name__ == "__main__":
    main()
