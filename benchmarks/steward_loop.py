"""Benchmark of the data stewards' loop on a demo landing zone: the review queue's top items,
decisions taken from the demo truth for the top N items, and how accuracy and the business
count move when the next night applies them.

    .venv/bin/python benchmarks/steward_loop.py --businesses 20000 [--decisions 20] [--keep DIR]

Night one runs into an empty warehouse and prints the queue's top items with pairwise F1,
B-cubed F1 and the business count against the truth. A steward who knows the truth then
answers the first N items that the truth can answer (two records: one business or two; a
large business: detach the records not of its main business), through ``umkm.cli.review``'s own
functions. Night two (the same delivery, an incremental night) applies them, and the same
figures are printed again.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from umkm.cli.review import decide  # noqa: E402
from umkm.publish.warehouse import open_with_restricted  # noqa: E402
from umkm.resolution.evaluation import ClusteringScores, score_clustering  # noqa: E402


def run_night(landing: Path, warehouse: Path) -> None:
    env = {
        **os.environ,
        "UMKM_LANDING_DIR": str(landing),
        "UMKM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "UMKM_PII_HASH_KEY": os.environ.get("UMKM_PII_HASH_KEY", "benchmark-only-key"),
    }
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
    if "RUN_SUCCESS" not in done.stdout + done.stderr:
        sys.stderr.write((done.stdout + done.stderr)[-4000:])
        raise SystemExit("the nightly job failed")


def scores(warehouse: Path, truth: pd.DataFrame) -> ClusteringScores:
    con = open_with_restricted(warehouse)
    try:
        linked = con.execute("""
            SELECT r.source, r.source_record_id, r.umkm_id,
                   strftime(r.snapshot_date, '%Y-%m-%d') AS delivery_date
            FROM curated.umkm_source_record r""").df()
    finally:
        con.close()
    labelled = linked.merge(truth, on=["source", "source_record_id", "delivery_date"])
    labelled = labelled[labelled["business_id"] != ""]
    return score_clustering(labelled["umkm_id"], labelled["business_id"])


def queue(warehouse: Path) -> pd.DataFrame:
    con = open_with_restricted(warehouse)
    try:
        return con.execute("SELECT * FROM quality.review_queue ORDER BY rank").df()
    finally:
        con.close()


def truth_decisions(
    items: pd.DataFrame, truth: pd.DataFrame, warehouse: Path, wanted: int
) -> list[tuple]:
    """The decisions the truth gives for the first items it can answer: (review id,
    decision, record, other record or None, whether it changes tonight's register)."""
    business = truth.assign(ref=truth["source"] + ":" + truth["source_record_id"]).set_index("ref")[
        "business_id"
    ]
    business = business[~business.index.duplicated(keep="last")]
    con = open_with_restricted(warehouse)
    try:
        members = con.execute(
            "SELECT source || ':' || source_record_id AS ref, umkm_id "
            "FROM curated.umkm_source_record"
        ).df()
    finally:
        con.close()
    decisions = []
    umkm_of = members.set_index("ref")["umkm_id"]
    for item in items.itertuples():
        left = f"{item.left_source}:{item.left_source_record_id}"
        if item.kind == "large_cluster":
            refs = members.loc[members["umkm_id"] == item.umkm_id, "ref"]
            truths = refs.map(business).replace("", None).dropna()
            if truths.nunique() > 1:
                main = truths.mode().iloc[0]
                decisions += [
                    (item.review_id, "detach", ref, None, True)
                    for ref in truths[truths != main].index
                ]
        elif pd.notna(item.right_source):
            right = f"{item.right_source}:{item.right_source_record_id}"
            a, b = business.get(left, ""), business.get(right, "")
            if a and b:  # the last field: the decision changes tonight's register
                together = umkm_of.get(left) == umkm_of.get(right)
                decisions.append(
                    (
                        item.review_id,
                        "same_business" if a == b else "different_businesses",
                        left,
                        right,
                        together != (a == b),
                    )
                )
        if len(decisions) >= wanted:
            break
    return decisions[:wanted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--decisions", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="umkm-steward-"))
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    if not landing.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "umkm.demo",
                "--businesses",
                str(args.businesses),
                "--days",
                "1",
                "--seed",
                str(args.seed),
                "--out",
                str(landing),
            ],
            check=True,
            cwd=ROOT,
        )
    truth = pd.read_csv(landing / "_truth" / "ground_truth.csv", dtype=str, keep_default_na=False)
    run_night(landing, warehouse)
    items = queue(warehouse)
    print(f"review queue: {len(items)} items; the top 10:")
    with pd.option_context("display.width", 200, "display.max_colwidth", 28):
        print(
            items.head(10)[
                [
                    "rank",
                    "review_id",
                    "kind",
                    "impact",
                    "left_business_name",
                    "right_business_name",
                    "probability",
                ]
            ].to_string(index=False)
        )
    before = scores(warehouse, truth)
    print(f"night 1: {before.summary()}")
    decisions = truth_decisions(items, truth, warehouse, args.decisions)
    url = f"duckdb:///{warehouse}"
    for review, decision, left, right, _ in decisions:
        decide(
            url, decision, left, right, by="benchmark", reason="the demo truth", review_id=review
        )
    kinds = pd.Series([d[1] for d in decisions]).value_counts().to_dict()
    corrections = sum(d[4] for d in decisions)
    print(
        f"{len(decisions)} decisions from the truth: {kinds}; {corrections} of them "
        f"correct the register, the others confirm it"
    )
    run_night(landing, warehouse)
    print(f"night 2, decisions applied: {scores(warehouse, truth).summary()}")


if __name__ == "__main__":
    main()
