"""Metadata helpers for the assets: column schemas from pandera, tables from DataFrames.

``column_schema`` turns a pandera ``DataFrameModel`` or ``DataFrameSchema`` into the
``dagster/column_schema`` the UI shows on an asset (column, type, nullable / unique and the
checks; the table-wide checks as table constraints). ``published_table_schema`` is the column
schema of a published warehouse table, every column described as the warehouse comments
describe it. ``frame_table`` turns a small DataFrame into a ``MetadataValue.table``.
``checks_markdown`` is the one markdown table of check results (the audit's, on the asset and
on its checks).
"""

from collections.abc import Iterable

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from schemas.curated import CURATED_MODELS
from umkm.publish.audit import CheckResult
from umkm.publish.warehouse_catalog import TABLES, describe

COLUMN_SCHEMA_KEY = "dagster/column_schema"


def _check_text(check: pa.Check) -> str:
    stats = {k: v for k, v in (check.statistics or {}).items() if v is not None}
    if not stats:
        return check.name or "custom check"
    args = ", ".join(f"{k}={v}" for k, v in stats.items())
    return f"{check.name}({args})"


def column_schema(schema: type[pa.DataFrameModel] | pa.DataFrameSchema) -> dg.TableSchema:
    """The Dagster table schema of a pandera model or schema."""
    if isinstance(schema, type) and issubclass(schema, pa.DataFrameModel):
        schema = schema.to_schema()
    columns = [
        dg.TableColumn(
            name=name,
            type=str(column.dtype) if column.dtype is not None else "any",
            description=column.description or column.title,
            constraints=dg.TableColumnConstraints(
                nullable=bool(column.nullable),
                unique=bool(column.unique),
                other=[_check_text(c) for c in column.checks],
            ),
        )
        for name, column in schema.columns.items()
    ]
    table_checks = [_check_text(c) for c in schema.checks]
    if schema.unique:
        table_checks.append(f"unique({', '.join(schema.unique)})")
    return dg.TableSchema(columns=columns, constraints=dg.TableConstraints(other=table_checks))


def published_table_schema(table: str, frame: pd.DataFrame | None = None) -> dg.TableSchema:
    """The column schema of the published ``table``: the columns of ``frame`` (what a run
    wrote) with their types, else those declared for it (its pandera model in
    ``schemas.curated``, else the key, described and indexed columns of its
    ``umkm.publish.warehouse_catalog.TABLES`` entry).
    Each column's description is its warehouse comment (``warehouse_catalog.describe``); a
    curated table keeps its pandera model's constraints."""
    model = CURATED_MODELS.get(table)
    declared = column_schema(model) if model is not None else None
    declared_columns = {c.name: c for c in declared.columns} if declared is not None else {}
    if frame is not None:
        names = [str(c) for c in frame.columns]
        types = {str(c): str(frame[c].dtype) for c in frame.columns}
    else:
        spec = TABLES[table]
        names = list(declared_columns) or list(
            dict.fromkeys(
                [*spec.primary_key, *spec.columns, *(c for index in spec.indexes for c in index)]
            )
        )
        types = {}
    columns = []
    for name in names:
        base = declared_columns.get(name)
        columns.append(
            dg.TableColumn(
                name=name,
                type=types.get(name) or (base.type if base is not None else "any"),
                description=describe(table, name) or (base.description if base else None) or "",
                constraints=base.constraints if base is not None else None,
            )
        )
    return dg.TableSchema(
        columns=columns, constraints=declared.constraints if declared is not None else None
    )


def column_schema_metadata(schema: type[pa.DataFrameModel] | pa.DataFrameSchema) -> dict:
    """``{"dagster/column_schema": ...}`` for an asset's definition metadata."""
    return {COLUMN_SCHEMA_KEY: column_schema(schema)}


def _cell(value):
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def frame_table(frame: pd.DataFrame) -> dg.MetadataValue:
    """A small DataFrame as a table in the UI (integers stay integers, the rest text)."""
    columns = [
        dg.TableColumn(
            name=str(c),
            type="int"
            if pd.api.types.is_integer_dtype(frame[c])
            else "float"
            if pd.api.types.is_float_dtype(frame[c])
            else "string",
        )
        for c in frame.columns
    ]
    records = [
        dg.TableRecord({str(k): _cell(v) for k, v in row.items()})
        for row in frame.to_dict("records")
    ]
    return dg.MetadataValue.table(records=records, schema=dg.TableSchema(columns=columns))


def checks_markdown(checks: Iterable[CheckResult]) -> str:
    """Checks (``umkm.publish.audit.CheckResult``) as a markdown table: check, result, details."""

    def cell(details: dict) -> str:
        return ", ".join(f"{k}: {v}" for k, v in details.items()).replace("|", "/")[:300]

    rows = "\n".join(
        f"| {c.name} | {'pass' if c.success else 'FAIL'} | {cell(c.details)} |" for c in checks
    )
    return "| check | result | details |\n|---|---|---|\n" + rows
