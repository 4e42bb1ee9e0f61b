"""Print where the nightly run published and what: ``python -m umkm.report``.

Reads the warehouse named by ``UMKM_WAREHOUSE_URL`` (default: the embedded DuckDB file).
"""

from __future__ import annotations

import sqlalchemy as sa

from resources.settings import warehouse_url_from_env
from umkm.warehouse import display_url, duckdb_path

SUMMARY_QUERIES = {
    "businesses (curated.umkm)": "SELECT count(*) FROM curated.umkm",
    "registered with a NIB": "SELECT count(*) FROM curated.umkm WHERE is_registered",
    "selling online": "SELECT count(*) FROM curated.umkm WHERE sells_online",
    "linked source records (curated.umkm_source_record)":
        "SELECT count(*) FROM curated.umkm_source_record",
    "quarantined records (quality.rejected_record)": "SELECT count(*) FROM quality.rejected_record",
}


def summary_lines(url: str) -> list[str]:
    """One line per headline figure of the published warehouse."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [f"  {label}: {conn.execute(sa.text(sql)).scalar():,}"
                    for label, sql in SUMMARY_QUERIES.items()]
    finally:
        engine.dispose()


def main() -> None:
    url = warehouse_url_from_env()
    path = duckdb_path(url)
    print(f"Published to {display_url(url)}")
    print("\n".join(summary_lines(url)))
    if path:
        print(f"Query it with: .venv/bin/python -c \"import duckdb; "
              f"print(duckdb.connect('{path}', read_only=True).sql('FROM curated.umkm LIMIT 5'))\"")


if __name__ == "__main__":
    main()
