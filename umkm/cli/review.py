"""The data steward's command: record decisions, export the review queue, import it filled in.

    python -m umkm.cli.review decide same_business shopee:1268618090 oss:9120301234567 \\
        --by siti@dinaskop --reason "same phone, same street" [--review-id R1A2B3C4D5E6]
    python -m umkm.cli.review decide detach tokopedia:881234 --by siti@dinaskop --reason "..."
    python -m umkm.cli.review export /tmp/queue.xlsx [--top 200]
    python -m umkm.cli.review import /tmp/queue.xlsx --by siti@dinaskop
    python -m umkm.cli.review list

Decisions go to ``steward.match_decision`` (``umkm.resolution.stewardship``) of the warehouse named by
``UMKM_WAREHOUSE_URL``; the next nightly run applies them. The export is the formula-safe
export of ``umkm.cli.export`` with three empty columns a steward fills in: ``decision``
(same_business, different_businesses, detach: the left record), ``reason`` and, optionally,
``decided_by``. Importing it records a decision for every row where ``decision`` is filled.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from umkm.cli.export import read_relation, write_export
from umkm.record_keys import split_refs
from umkm.resolution.stewardship import (
    DECISION_COLUMNS,
    DECISIONS,
    DETACH,
    read_decisions,
    record_decisions,
)
from umkm.settings import warehouse_url_from_env

QUEUE = "quality.review_queue"
#: the columns a steward fills in on an exported queue
TO_FILL = ["decision", "reason", "decided_by"]


def decide(
    url: str,
    decision: str,
    left: str,
    right: str | None,
    by: str,
    reason: str,
    review_id: str | None = None,
) -> pd.DataFrame:
    """Record one decision about records named ``source:source_record_id``."""
    if (decision == DETACH) != (right is None):
        raise ValueError("detach names one record; same_business and different_businesses name two")
    ends = split_refs(pd.Series([left, right or ":"]))
    frame = pd.DataFrame(
        [
            {
                "decision": decision,
                "left_source": ends["source"][0],
                "left_source_record_id": ends["source_record_id"][0],
                "right_source": ends["source"][1] or None,
                "right_source_record_id": ends["source_record_id"][1] or None,
                "decided_by": by,
                "decided_at": pd.Timestamp.now(tz="UTC"),
                "reason": reason,
                "review_id": review_id,
            }
        ]
    )
    return record_decisions(url, frame)


def export_queue(url: str, path: Path, top: int | None = None) -> int:
    """Write the review queue (its ``top`` items) with the columns to fill in; rows written."""
    queue = read_relation(url, QUEUE)
    if top:
        queue = queue.head(top)
    for column in TO_FILL:
        queue[column] = ""
    write_export(queue, path)
    return len(queue)


def import_queue(url: str, path: Path, by: str | None = None) -> pd.DataFrame:
    """Record the decisions of a filled-in export (rows whose ``decision`` is filled)."""
    path = Path(path)
    frame = (
        pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.suffix == ".csv"
        else pd.read_excel(path, dtype=str, keep_default_na=False)
    )
    filled = frame[frame["decision"].str.strip() != ""].copy()
    if filled.empty:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    # the export put a quote before text a spreadsheet would run; take it off again
    filled = filled.apply(lambda column: column.str.removeprefix("'"))
    detach = filled["decision"].str.strip() == DETACH
    decisions = pd.DataFrame(
        {
            "decision": filled["decision"].str.strip(),
            "left_source": filled["left_source"],
            "left_source_record_id": filled["left_source_record_id"],
            "right_source": filled["right_source"].where(~detach & (filled["right_source"] != "")),
            "right_source_record_id": filled["right_source_record_id"].where(
                ~detach & (filled["right_source_record_id"] != "")
            ),
            "decided_by": filled["decided_by"].where(filled["decided_by"] != "", by),
            "decided_at": pd.Timestamp.now(tz="UTC"),
            "reason": filled["reason"],
            "review_id": filled["review_id"],
        }
    )
    if decisions["decided_by"].isna().any():
        raise ValueError("say who decided: fill decided_by or pass --by")
    return record_decisions(url, decisions)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m umkm.cli.review", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--url",
        default=warehouse_url_from_env(),
        help="warehouse SQLAlchemy URL (default: UMKM_WAREHOUSE_URL)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    decide_parser = commands.add_parser("decide", help="record one decision")
    decide_parser.add_argument("decision", choices=DECISIONS)
    decide_parser.add_argument("left", help="source:source_record_id")
    decide_parser.add_argument("right", nargs="?", help="source:source_record_id (not for detach)")
    decide_parser.add_argument("--by", required=True, help="who decides")
    decide_parser.add_argument("--reason", required=True, help="why")
    decide_parser.add_argument("--review-id", help="the queue item this answers")
    export_parser = commands.add_parser("export", help="write the review queue to fill in")
    export_parser.add_argument("path", type=Path, help=".xlsx or .csv")
    export_parser.add_argument("--top", type=int, help="only the first N items")
    import_parser = commands.add_parser("import", help="record a filled-in export")
    import_parser.add_argument("path", type=Path)
    import_parser.add_argument("--by", help="who decided, where decided_by is empty")
    commands.add_parser("list", help="print the decisions recorded so far")
    args = parser.parse_args(argv)
    if args.command == "decide":
        recorded = decide(
            args.url, args.decision, args.left, args.right, args.by, args.reason, args.review_id
        )
        print(
            f"recorded decision {int(recorded['decision_id'].iloc[0])}; the next nightly "
            "run applies it"
        )
    elif args.command == "export":
        print(f"{export_queue(args.url, args.path, args.top)} items written to {args.path}")
    elif args.command == "import":
        recorded = import_queue(args.url, args.path, args.by)
        print(f"recorded {len(recorded)} decision(s); the next nightly run applies them")
    else:
        print(read_decisions(args.url).to_string(index=False))


if __name__ == "__main__":
    main()
