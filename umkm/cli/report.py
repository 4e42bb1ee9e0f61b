"""Print where the nightly run published and what: ``python -m umkm.cli.report``.

Reads the warehouse named by ``UMKM_WAREHOUSE_URL`` (default: the embedded DuckDB file).
"""

from __future__ import annotations

import sqlalchemy as sa

from umkm.publish.warehouse import display_url, duckdb_path
from umkm.settings import warehouse_url_from_env

SUMMARY_QUERIES = {
    "businesses (curated.umkm)": "SELECT count(*) FROM curated.umkm",
    "registered with a NIB": "SELECT count(*) FROM curated.umkm WHERE is_registered",
    "selling online": "SELECT count(*) FROM curated.umkm WHERE sells_online",
    "without a known kabupaten/kota": "SELECT count(*) FROM curated.umkm WHERE kab_code IS NULL",
    "linked source records (curated.umkm_source_record)": "SELECT count(*) FROM curated.umkm_source_record",
    "quarantined records (quality.rejected_record)": "SELECT count(*) FROM quality.rejected_record",
}


#: the latest run's sources that could not use their newest file, and what became of them
HELD_SOURCES_QUERY = """
    SELECT source, status, delivered_on, message FROM quality.source_delivery
    WHERE run_id = (SELECT run_id FROM quality.run_metrics ORDER BY run_started_at DESC LIMIT 1)
      AND status <> 'current'
    ORDER BY source, delivered_on DESC
"""


def summary_lines(url: str) -> list[str]:
    """One line per headline figure of the published warehouse, then one per source that
    was held back in the latest run (a file passed over, the archive used, nothing found)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            lines = [
                f"  {label}: {conn.execute(sa.text(sql)).scalar():,}"
                for label, sql in SUMMARY_QUERIES.items()
            ]
            held = conn.execute(sa.text(HELD_SOURCES_QUERY)).fetchall()
    finally:
        engine.dispose()
    if held:
        lines.append("  sources held back tonight (see each source's raw_schema check):")
        lines += [
            f"    {source}: {status}"
            + (f" (delivery {str(day)[:10]})" if day is not None else "")
            + f": {str(message)[:160]}"
            for source, status, day, message in held
        ]
    return lines


def main() -> None:
    url = warehouse_url_from_env()
    path = duckdb_path(url)
    print(f"Published to {display_url(url)}")
    print("\n".join(summary_lines(url)))
    if path:
        print(
            f'Query it with: .venv/bin/python -c "import duckdb; '
            f"print(duckdb.connect('{path}', read_only=True).sql('FROM curated.umkm LIMIT 5'))\""
        )


if __name__ == "__main__":
    main()
