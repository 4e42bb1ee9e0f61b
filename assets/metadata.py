"""Metadata helpers for the assets: column schemas from pandera, tables from DataFrames.

``column_schema`` turns a pandera ``DataFrameModel`` or ``DataFrameSchema`` into the
``dagster/column_schema`` the UI shows on an asset (column, type, nullable / unique and the
checks; the table-wide checks as table constraints). ``frame_table`` turns a small DataFrame into a ``MetadataValue.table``.
``checks_markdown`` is the one markdown table of check results (the audit's, on the asset and
on its checks).
"""

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

import dagster as dg

from umkm.publish.audit import CheckResult

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
            name=name, type=str(column.dtype) if column.dtype is not None else "any",
            description=column.description or column.title,
            constraints=dg.TableColumnConstraints(
                nullable=bool(column.nullable), unique=bool(column.unique),
                other=[_check_text(c) for c in column.checks],
            ),
        )
        for name, column in schema.columns.items()
    ]
    table_checks = [_check_text(c) for c in schema.checks]
    if schema.unique:
        table_checks.append(f"unique({', '.join(schema.unique)})")
    return dg.TableSchema(columns=columns, constraints=dg.TableConstraints(other=table_checks))


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
        dg.TableColumn(name=str(c), type="int" if pd.api.types.is_integer_dtype(frame[c])
                       else "float" if pd.api.types.is_float_dtype(frame[c]) else "string")
        for c in frame.columns
    ]
    records = [dg.TableRecord({str(k): _cell(v) for k, v in row.items()})
               for row in frame.to_dict("records")]
    return dg.MetadataValue.table(records=records, schema=dg.TableSchema(columns=columns))


def checks_markdown(checks: Iterable[CheckResult]) -> str:
    """Checks (``umkm.publish.audit.CheckResult``) as a markdown table: check, result, details."""
    def cell(details: dict) -> str:
        return ", ".join(f"{k}: {v}" for k, v in details.items()).replace("|", "/")[:300]

    rows = "\n".join(f"| {c.name} | {'pass' if c.success else 'FAIL'} | {cell(c.details)} |"
                     for c in checks)
    return "| check | result | details |\n|---|---|---|\n" + rows
