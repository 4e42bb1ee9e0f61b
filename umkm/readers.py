"""Readers that turn one source file into a table of text, as its format says.

Every reader returns a ``RawTable``: one row per data row of the file, every cell as text
(identifiers never pass through a float), the format's columns (JSON formats: the JSON paths
of the format's mapping), ``_row_number`` (1 for the first data row) and ``_parse_error``
(empty, or why the row could not be read whole, e.g. a ragged CSV row or a JSON line cut
short). A file that cannot be read at all raises ``BrokenFileError`` with a message that says
what is wrong; the caller keeps the source's last good snapshot.

Excel is read with python-calamine, CSV with pandas' C parser, JSON and JSON lines inside
DuckDB, so no reader loops over records in Python.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from python_calamine import CalamineWorkbook

from schemas.catalog import FormatSpec

ROW_NUMBER = "_row_number"
PARSE_ERROR = "_parse_error"
#: extra columns read beyond the header so that ragged rows are seen, not fatal
_SPARE_FIELDS = 30
#: a cp1252 file may hold a few bytes outside cp1252 (contract R2); more than this is broken
_MAX_UNDECODABLE_SHARE = 0.01
_MAX_UNDECODABLE_ALWAYS_TOLERATED = 5
_INTEGRAL_FLOAT = re.compile(r"^(-?\d+)\.0$")


class BrokenFileError(Exception):
    """A source file that cannot be read as its format says (the delivery is broken)."""


@dataclass
class RawTable:
    """The text cells of one source file, with per-row parse errors and file-level warnings."""

    rows: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def read_source_file(path: Path, fmt: FormatSpec) -> RawTable:
    """Read ``path`` in format ``fmt``; raise ``BrokenFileError`` when it cannot be read."""
    path = Path(path)
    readers = {
        "titled_excel": _read_titled_excel,
        "excel": _read_excel,
        "csv": _read_csv,
        "json_document": _read_json_document,
        "json_lines": _read_json_lines,
    }
    try:
        return readers[fmt.reader](path, fmt)
    except BrokenFileError:
        raise
    except (OSError, ValueError, duckdb.Error, pd.errors.ParserError) as exc:
        raise BrokenFileError(f"{path.name}: {type(exc).__name__}: {exc}") from exc


# --- Excel -------------------------------------------------------------------------------

def _sheet_rows(path: Path, sheet: str) -> list[list]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise BrokenFileError(f"{path.name}: not a readable Excel workbook ({exc})") from exc
    if sheet not in workbook.sheet_names:
        raise BrokenFileError(
            f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheet_names)})"
        )
    return workbook.get_sheet_by_name(sheet).to_python()


def _cells_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cells to text: integral numbers lose their '.0', dates become ISO dates."""
    text = frame.astype(str).apply(lambda col: col.str.strip())
    text = text.replace({"None": "", "nan": ""})
    return text.apply(lambda col: col.str.replace(_INTEGRAL_FLOAT, r"\1", regex=True))


def _first_blank_row(text: pd.DataFrame) -> int:
    blank = (text == "").all(axis=1).to_numpy()
    return int(blank.argmax()) if blank.any() else len(text)


def _table_below_header(path: Path, rows: list[list], header_at: int, fmt: FormatSpec) -> RawTable:
    header = [str(c).strip() for c in rows[header_at]]
    missing = [c for c in fmt.columns if c not in header]
    if missing:
        raise BrokenFileError(f"{path.name}: header lacks columns {missing}")
    body = pd.DataFrame(rows[header_at + 1:], columns=range(len(header)), dtype=object)
    text = _cells_as_text(body) if len(body) else body.astype(str)
    text = text.iloc[: _first_blank_row(text)]
    table = pd.DataFrame({c: text[header.index(c)] for c in fmt.columns}, index=text.index)
    return RawTable(_numbered(table))


def _read_titled_excel(path: Path, fmt: FormatSpec) -> RawTable:
    """R1: title rows, then the header row that holds the marker, data to the first blank row."""
    rows = _sheet_rows(path, fmt.sheet)
    marker = fmt.header_marker.upper()
    for at, row in enumerate(rows):
        if any(str(cell).strip().upper() == marker for cell in row):
            return _table_below_header(path, rows, at, fmt)
    raise BrokenFileError(f"{path.name}: sheet {fmt.sheet!r} has no header row with {marker!r}")


def _read_excel(path: Path, fmt: FormatSpec) -> RawTable:
    """A plain sheet with its header on row 1 (Lazada)."""
    rows = _sheet_rows(path, fmt.sheet)
    if not rows:
        raise BrokenFileError(f"{path.name}: sheet {fmt.sheet!r} is empty")
    return _table_below_header(path, rows, 0, fmt)


# --- CSV ---------------------------------------------------------------------------------

def _decode(path: Path, data: bytes, encoding: str) -> tuple[str, list[str]]:
    """Decode a CSV's bytes; tolerate the contract's few bad bytes, refuse a wrong encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if encoding.lower().replace("-", "") == "utf8":
        try:
            return data.decode("utf-8"), []
        except UnicodeDecodeError as exc:
            raise BrokenFileError(f"{path.name}: not valid UTF-8 ({exc})") from exc
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError:
        pass
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    lines = max(text.count("\n"), 1)
    if bad > max(_MAX_UNDECODABLE_ALWAYS_TOLERATED, _MAX_UNDECODABLE_SHARE * lines):
        raise BrokenFileError(
            f"{path.name}: {bad} bytes are not {encoding} in {lines} lines: wrong encoding"
        )
    return text, [f"{bad} byte(s) not valid {encoding} were replaced by U+FFFD"]


def _read_csv(path: Path, fmt: FormatSpec) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise BrokenFileError(f"{path.name}: empty file, not even a header")
    if not data.endswith(b"\n"):
        raise BrokenFileError(f"{path.name}: file ends mid-row (truncated export)")
    text, warnings = _decode(path, data, fmt.encoding)
    header = pd.read_csv(io.StringIO(text), sep=fmt.delimiter, nrows=0, dtype=str)
    header_names = [str(c).strip() for c in header.columns]
    missing = [c for c in fmt.columns if c not in header_names]
    if missing:
        raise BrokenFileError(f"{path.name}: header lacks columns {missing}")
    spare = [f"_spare_{i}" for i in range(_SPARE_FIELDS)]
    body = pd.read_csv(
        io.StringIO(text), sep=fmt.delimiter, header=None, skiprows=1,
        names=header_names + spare, dtype=str, keep_default_na=False, na_filter=False,
        skip_blank_lines=True,
    )
    extra_fields = (body[spare] != "").sum(axis=1)
    table = body[list(fmt.columns)].apply(lambda col: col.str.strip())
    table = _numbered(table)
    ragged = extra_fields > 0
    table.loc[ragged, PARSE_ERROR] = (
        "row has " + (len(header_names) + extra_fields[ragged]).astype(str)
        + f" fields, header has {len(header_names)}"
    )
    return RawTable(table, warnings)


# --- JSON --------------------------------------------------------------------------------

def _json_field_sql(document: str, json_path: str) -> str:
    """SQL for one mapped JSON path: scalars as text, lists joined with ' / '."""
    quoted = json_path.replace("'", "''")
    return (
        f"CASE WHEN json_type({document}, '{quoted}') = 'ARRAY' "
        f"THEN array_to_string(json_extract_string({document}, '{quoted}[*]'), ' / ') "
        f"ELSE json_extract_string({document}, '{quoted}') END"
    )


def _json_columns_sql(fmt: FormatSpec, document: str) -> str:
    key = _json_field_sql(document, f"$.{fmt.record_key}")
    fields = [f'{_json_field_sql(document, p)} AS "{p}"' for p in fmt.mapping]
    return ", ".join([f'{key} AS "{fmt.record_key}"', *fields])


def _read_json_document(path: Path, fmt: FormatSpec) -> RawTable:
    """R3: one JSON document with the records under ``records_path`` and a count to check."""
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrokenFileError(f"{path.name}: not valid JSON ({exc})") from exc
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE doc AS SELECT ?::JSON AS d", [text])
        announced, records = con.execute(
            f"SELECT json_extract(d, '{fmt.count_path}')::BIGINT, "
            f"json_array_length(d, '{fmt.records_path}') FROM doc"
        ).fetchone()
        if records is None:
            raise BrokenFileError(f"{path.name}: no record list at {fmt.records_path}")
        if announced is not None and records != announced:
            raise BrokenFileError(
                f"{path.name}: truncated export: count says {announced} records, "
                f"the file holds {records}"
            )
        table = con.execute(
            f"SELECT {_json_columns_sql(fmt, 'r')} FROM ("
            f"  SELECT unnest(json_extract(d, '{fmt.records_path}[*]')) AS r FROM doc)"
        ).df()
    finally:
        con.close()
    return RawTable(_numbered(_text_columns(table)))


def _read_json_lines(path: Path, fmt: FormatSpec) -> RawTable:
    """One JSON object per line; a line that is not valid JSON is kept as a parse error."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    lines = pd.DataFrame({"line": pd.Series(text.splitlines(), dtype=str)})
    lines = lines[lines["line"].str.strip() != ""].reset_index(drop=True)
    paths = {fmt.record_key: f"$.{fmt.record_key}", **{p: p for p in fmt.mapping}}
    columns = ", ".join(
        f'CASE WHEN json_valid(line) THEN {_json_field_sql("line", p)} END AS "{name}"'
        for name, p in paths.items()
    )
    con = duckdb.connect()
    try:
        con.register("lines", lines)
        table = con.execute(f"SELECT json_valid(line) AS _valid, {columns} FROM lines").df()
    finally:
        con.close()
    valid = table.pop("_valid").fillna(False).to_numpy(dtype=bool)
    table = _numbered(_text_columns(table))
    quoted_or_number = lines["line"].str.extract(
        rf'"{re.escape(fmt.record_key)}"\s*:\s*(?:"([^"]+)"|(-?\d+)\s*[,}}])'
    )
    key_in_text = quoted_or_number[0].fillna(quoted_or_number[1]).fillna("")
    table.loc[~valid, fmt.record_key] = key_in_text[~valid]
    table.loc[~valid, PARSE_ERROR] = "line is not valid JSON (cut short or garbled)"
    return RawTable(table)


def _text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "").astype(str).apply(
        lambda col: col.str.strip()
    )


def _numbered(table: pd.DataFrame) -> pd.DataFrame:
    table = table.reset_index(drop=True)
    table[ROW_NUMBER] = range(1, len(table) + 1)
    table[PARSE_ERROR] = ""
    return table
