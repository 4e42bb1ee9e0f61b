"""Readers that turn one source file into a table of text, as its format says.

Every reader returns a ``RawTable``: one row per data row of the file, every cell as text
(identifiers never pass through a float), the format's columns (JSON formats: the JSON paths
of the format's mapping), ``_row_number`` (1 for the first data row) and ``_parse_error``
(empty, or why the row could not be read whole, e.g. a ragged CSV row or a JSON line cut
short). A file that cannot be read at all raises ``BrokenFileError`` with a message that says
what is wrong; the caller keeps the source's last good snapshot.

Headers are matched leniently: case, surrounding spaces, a BOM and column order do not
matter. A header that lacks one of the format's required columns (``FormatSpec.required``:
the record key and every mapped column) makes the file broken, naming the column; a missing
optional column is read as blank and an extra column is ignored, both with a warning. A CSV
whose bytes are not in the contract's encoding (an R2 registry sent as UTF-8 instead of
cp1252, or a UTF-8 export sent as cp1252) is decoded in the encoding it is in, with a warning.

Excel is read with python-calamine, CSV with pandas' C parser, JSON and JSON lines inside
DuckDB, so no reader loops over records in Python.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
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
_BOM = "\ufeff"
#: single-byte encodings a UTF-8 export may arrive in instead (charset-normalizer's names)
_LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "windows-1252")


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


def _sheet_rows(path: Path, sheet: str | None) -> list[list[Any]]:
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


def header_key(name: object) -> str:
    """How a header cell is compared: no BOM, no surrounding or repeated spaces, case folded."""
    return " ".join(str(name).replace(_BOM, "").split()).casefold()


def match_header(
    path: Path, header: list[Any], fmt: FormatSpec
) -> tuple[dict[str, int], list[str]]:
    """The position of each of the format's columns in a file's header row, and warnings.

    Raises ``BrokenFileError`` naming the required columns the header lacks."""
    positions: dict[str, int] = {}
    for at, name in enumerate(header):
        positions.setdefault(header_key(name), at)
    found = {c: positions[header_key(c)] for c in fmt.columns if header_key(c) in positions}
    missing = [c for c in fmt.required if c not in found]
    if missing:
        raise BrokenFileError(f"{path.name}: header lacks required column(s) {missing}")
    warnings = []
    optional = [c for c in fmt.columns if c not in found]
    if optional:
        warnings.append(f"{path.name}: header lacks optional column(s) {optional}, read as blank")
    known = {header_key(c) for c in fmt.columns}
    extra = [
        str(name).strip() for name in header if header_key(name) not in known and str(name).strip()
    ]
    if extra:
        warnings.append(f"{path.name}: extra column(s) {extra} ignored")
    return found, warnings


def _select_columns(cells: pd.DataFrame, found: dict[str, int], fmt: FormatSpec) -> pd.DataFrame:
    """The format's columns from positional cells; a column the file lacks is blank."""
    blank = pd.Series("", index=cells.index, dtype=object)
    return pd.DataFrame(
        {c: cells[found[c]] if c in found else blank for c in fmt.columns}, index=cells.index
    )


def _table_below_header(
    path: Path, rows: list[list[Any]], header_at: int, fmt: FormatSpec
) -> RawTable:
    header = rows[header_at]
    found, warnings = match_header(path, header, fmt)
    width = max((len(r) for r in rows[header_at + 1 :]), default=len(header))
    body = pd.DataFrame(rows[header_at + 1 :], columns=range(width), dtype=object)
    text = _cells_as_text(body) if len(body) else body.astype(str)
    text = text.iloc[: _first_blank_row(text)]
    return RawTable(_numbered(_select_columns(text, found, fmt)), warnings)


def _read_titled_excel(path: Path, fmt: FormatSpec) -> RawTable:
    """R1: title rows, then the header row that holds the marker, data to the first blank row."""
    rows = _sheet_rows(path, fmt.sheet)
    marker = header_key(fmt.header_marker)
    for at, row in enumerate(rows):
        if any(header_key(cell) == marker for cell in row):
            return _table_below_header(path, rows, at, fmt)
    raise BrokenFileError(
        f"{path.name}: sheet {fmt.sheet!r} has no header row with {fmt.header_marker!r}"
    )


def _read_excel(path: Path, fmt: FormatSpec) -> RawTable:
    """A plain sheet with its header on row 1 (Lazada)."""
    rows = _sheet_rows(path, fmt.sheet)
    if not rows:
        raise BrokenFileError(f"{path.name}: sheet {fmt.sheet!r} is empty")
    return _table_below_header(path, rows, 0, fmt)


# --- CSV ---------------------------------------------------------------------------------


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def _decode(path: Path, data: bytes, encoding: str) -> tuple[str, list[str]]:
    """Decode a CSV's bytes in the contract's encoding, or in the one it was sent in (with a
    warning); tolerate the contract's few bad bytes, refuse what is no text encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _is_utf8(encoding):
        try:
            return data.decode("utf-8"), []
        except UnicodeDecodeError as exc:
            guess = charset_normalizer.from_bytes(data).best()
            if guess is None or guess.encoding not in _LEGACY_ENCODINGS:
                raise BrokenFileError(
                    f"{path.name}: not valid UTF-8 ({exc}) and no other text encoding fits"
                ) from exc
            return str(guess), [
                f"{path.name}: not UTF-8 as the contract says; decoded as {guess.encoding}"
            ]
    if not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # cp1252 text with accents is practically never valid UTF-8
            return text, [f"{path.name}: sent as UTF-8 instead of {encoding}; decoded as UTF-8"]
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
    if "\x00" in text:
        warnings.append(f"{path.name}: {text.count(chr(0))} NUL character(s) removed")
        text = text.replace("\x00", "")
    header = pd.read_csv(
        io.StringIO(text), sep=fmt.delimiter, nrows=1, dtype=str, header=None, keep_default_na=False
    )
    header_names = [str(c) for c in header.iloc[0]] if len(header) else []
    found, header_warnings = match_header(path, header_names, fmt)
    width = len(header_names)
    body = pd.read_csv(
        io.StringIO(text),
        sep=fmt.delimiter,
        header=None,
        skiprows=1,
        names=range(width + _SPARE_FIELDS),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
    )
    extra_fields = (body[list(range(width, width + _SPARE_FIELDS))] != "").sum(axis=1)
    table = _select_columns(body, found, fmt).apply(lambda col: col.str.strip())
    table = _numbered(table)
    ragged = extra_fields > 0
    table.loc[ragged, PARSE_ERROR] = (
        "row has " + (width + extra_fields[ragged]).astype(str) + f" fields, header has {width}"
    )
    return RawTable(table, warnings + header_warnings)


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
        ).fetchone() or (None, None)
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
    return (
        frame.astype(object).where(frame.notna(), "").astype(str).apply(lambda col: col.str.strip())
    )


def _numbered(table: pd.DataFrame) -> pd.DataFrame:
    table = table.reset_index(drop=True)
    table[ROW_NUMBER] = range(1, len(table) + 1)
    table[PARSE_ERROR] = ""
    return table
