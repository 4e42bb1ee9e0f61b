"""Why were two records joined (or not)? ``python -m umkm.cli.explain SOURCE:ID SOURCE:ID``, or
``python -m umkm.cli.explain REVIEW_ID`` for an item of the stewards' review queue.

Reads the stored link of the two records from ``quality.match_link`` of the warehouse named by
``UMKM_WAREHOUSE_URL`` and prints, per comparison of the match model that scored it, the level
the pair reached and the match weight it added, with the total probability. The model's charts
(match weights, m and u parameters) are written to ``data/reports/match_model/`` whenever a
model is trained.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from umkm.publish.warehouse import read_table
from umkm.record_keys import record_ref, record_refs
from umkm.settings import warehouse_url_from_env


def level_labels(model_json: str) -> dict[str, dict[int, str]]:
    """comparison name -> gamma value -> label of the level (Splink numbers levels from the
    last, 0, upwards; the null level is -1)."""
    model = json.loads(model_json)
    labels = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        real = [lv for lv in levels if not lv.get("is_null_level")]
        by_gamma = {
            len(real) - 1 - i: lv.get("label_for_charts") or lv["sql_condition"]
            for i, lv in enumerate(real)
        }
        by_gamma[-1] = "missing on one side"
        labels[comparison["output_column_name"]] = by_gamma
    return labels


def explain_link(links: pd.DataFrame, models: pd.DataFrame, left: str, right: str) -> str:
    """A readable account of the stored link between two record references."""
    lefts, rights = record_refs(links, "left_"), record_refs(links, "right_")
    pair = links[((lefts == left) & (rights == right)) | ((lefts == right) & (rights == left))]
    if pair.empty:
        return (
            f"no stored link between {left} and {right}: the pair was not a candidate, "
            f"or scored below the storing threshold"
        )
    link = pair.iloc[0]
    lines = [
        f"{left} <-> {right}: {link['rule']} link, probability {link['probability']:.4f}, "
        f"{'joined' if link['joined'] else 'NOT joined'} into one business"
    ]
    if link["rule"] != "probabilistic":
        return "\n".join(lines)
    model = models[models["model_version"] == link["model_version"]]
    labels = level_labels(model["model_json"].iloc[0]) if len(model) else {}
    lines.append(f"model {link['model_version']}, total match weight {link['match_weight']:.2f}")
    for column in [c for c in links.columns if c.startswith("gamma_")]:
        name = column.removeprefix("gamma_")
        gamma = int(link[column])
        label = labels.get(name, {}).get(gamma, f"level {gamma}")
        weight = link.get(f"mw_{name}")
        lines.append(f"  {name:15s} {label:55s} {weight:+7.2f}")
    return "\n".join(lines)


def review_item_records(queue: pd.DataFrame, review_id: str) -> tuple[str, str | None, str]:
    """The two records (or one, for a large business) of a review queue item, and its
    question."""
    item = queue[queue["review_id"] == review_id]
    if item.empty:
        raise SystemExit(f"no item {review_id} in tonight's review queue")
    row = item.iloc[0]
    left = record_ref(row["left_source"], row["left_source_record_id"])
    right = (
        record_ref(row["right_source"], row["right_source_record_id"])
        if pd.notna(row["right_source"])
        else None
    )
    return left, right, f"{row['kind']} (impact {row['impact']}): {row['question']}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "left",
        help="source:source_record_id (e.g. shopee:1268618090), or "
        "a review_id of quality.review_queue",
    )
    parser.add_argument("right", nargs="?")
    args = parser.parse_args(argv)
    url = warehouse_url_from_env()
    links, models = read_table(url, "quality.match_link"), read_table(url, "quality.match_model")
    if links is None or models is None:
        raise SystemExit("the warehouse holds no match links yet: run the nightly job first")
    left, right = args.left, args.right
    if right is None:
        queue = read_table(url, "quality.review_queue")
        left, right, question = review_item_records(queue, args.left)
        print(f"{args.left}: {question}")
        if right is None:
            print(
                f"{left} belongs to business with its other records in "
                "curated.umkm_source_record; decide with python -m umkm.cli.review decide detach"
            )
            return
    print(explain_link(links, models, left, right))


if __name__ == "__main__":
    main()
