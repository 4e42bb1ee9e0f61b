"""Exports of published tables and views to CSV or XLSX, safe to open in a spreadsheet.

Text that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is stored
literally in the warehouse, but a spreadsheet would run it as a formula (CSV/formula
injection). Every CSV or XLSX the project writes for people goes through
``neutralise_formulas``, which puts a single quote in front of such cells, and XLSX files are
written with formula and URL conversion switched off as well.

    .venv/bin/python -m umkm.cli.export curated.v_online_without_nib /tmp/online_without_nib.xlsx
    .venv/bin/python -m umkm.cli.export quality.source_scorecard /tmp/shopee.xlsx --source shopee

Only the ``curated`` and ``quality`` schemas can be exported (personal data stays in the
warehouse).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from umkm.publish.warehouse import duckdb_path
from umkm.publish.warehouse_catalog import BI_SCHEMAS
from umkm.settings import warehouse_url_from_env

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells starting with a formula character are prefixed
    with a single quote; numbers, dates and other cells are unchanged."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
        if risky.any():
            out[column] = values.astype("object").where(~risky, "'" + text.astype("object"))
    return out


def write_export(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV or XLSX (by the file's suffix), formulas neutralised."""
    path = Path(path)
    safe = neutralise_formulas(frame)
    if path.suffix.lower() == ".csv":
        safe.to_csv(path, index=False)
    elif path.suffix.lower() == ".xlsx":
        safe.to_excel(
            path,
            index=False,
            engine="xlsxwriter",
            engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
        )
    else:
        raise ValueError(f"export to .csv or .xlsx, not {path.suffix!r}")
    return path


def read_relation(url: str, name: str, source: str | None = None) -> pd.DataFrame:
    """A published table or view of the BI schemas as a DataFrame; with ``source``, only its
    rows of that source (a Dinas or a platform gets its own card)."""
    schema, _, relation = name.partition(".")
    if schema not in BI_SCHEMAS or not relation.replace("_", "").isalnum():
        raise ValueError(
            f"only tables and views of {', '.join(BI_SCHEMAS)} can be exported, not {name!r}"
        )
    where = " WHERE source = :source" if source else ""
    sql = f"SELECT * FROM {schema}.{relation}{where}"
    path = duckdb_path(url)
    if path is not None:
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute(
                sql.replace(":source", "$source"), {"source": source} if source else {}
            ).df()
        finally:
            con.close()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql_query(
                sa.text(sql), conn, params={"source": source} if source else None
            )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Export a curated or quality table or view "
        "to CSV or XLSX, safe for spreadsheets."
    )
    parser.add_argument("relation", help="e.g. curated.v_online_without_nib")
    parser.add_argument("path", type=Path, help="output file, .csv or .xlsx")
    parser.add_argument(
        "--url",
        default=warehouse_url_from_env(),
        help="warehouse SQLAlchemy URL (default: UMKM_WAREHOUSE_URL)",
    )
    parser.add_argument(
        "--source",
        help="only the rows of this source, e.g. the source scorecard of one Dinas or platform",
    )
    args = parser.parse_args(argv)
    frame = read_relation(args.url, args.relation, args.source)
    print(f"{len(frame):,} rows of {args.relation} written to {write_export(frame, args.path)}")


if __name__ == "__main__":
    main()
