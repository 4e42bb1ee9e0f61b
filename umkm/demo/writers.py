"""File writers, one per export format of the landing contract.

Text formats are assembled column-wise with pandas string operations (quoting
only when needed, or always for OSS), then joined and encoded once: cp1252 with
CRLF for the SIMUMKM registries, UTF-8 (with a BOM where the source has one)
for the rest.  The two Excel formats are streamed with xlsxwriter in
constant-memory mode.  Writers also apply the day's fault, if any (a truncated
Cilegon document, a file cut off mid-way, undecodable bytes, broken JSONL
lines) and report which rows made it into the file.
"""

from __future__ import annotations

import codecs
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from umkm.demo import vocabulary as vocab
from umkm.demo.context import RenderContext
from umkm.demo.randomness import child_rng, choose_text, flags, rare_flags
from umkm.demo.textops import as_text, contains_pattern, mask_text

BROKEN_JSONL_LINE_RATE = 0.005
R2_BAD_ROW_SHARE = (0.15, 0.4)
UTF8_FALLBACK = "umkm_demo_utf8_fallback"
DINAS_NAMES = {
    "3601": "DINAS KOPERASI, UKM, PERINDUSTRIAN DAN PERDAGANGAN KABUPATEN PANDEGLANG",
    "3602": "DINAS KOPERASI DAN UKM KABUPATEN LEBAK",
    "3604": "DINAS KOPERASI DAN USAHA MIKRO KABUPATEN SERANG",
    "3673": "DINAS KOPERASI, UKM, PERINDUSTRIAN DAN PERDAGANGAN KOTA SERANG",
}
DINAS_PLACES = {"3601": "Pandeglang", "3602": "Lebak", "3604": "Serang", "3673": "Serang"}


@dataclass
class WriteResult:
    """Rows (in file order) that made it into the file, and per row whether it is broken."""

    rows_in_file: int
    malformed: np.ndarray
    key_hidden: np.ndarray

    @classmethod
    def complete(cls, rows: int) -> WriteResult:
        """Every row written intact."""
        return cls(rows, np.zeros(rows, dtype=bool), np.zeros(rows, dtype=bool))


def _text(values: pd.Series) -> pd.Series:
    """Cells as str (blank for missing)."""
    return as_text(values)


def quote_minimal(values: pd.Series, delimiter: str) -> pd.Series:
    """Quote (doubling inner quotes) only the values that need it."""
    needs = contains_pattern(values, f'[{delimiter}"\r\n]')
    if not needs.any():
        return values
    return mask_text(values, needs, '"' + values.str.replace('"', '""', regex=False) + '"')


def quote_all(values: pd.Series) -> pd.Series:
    """Quote every value."""
    return '"' + values.str.replace('"', '""', regex=False) + '"'


def join_columns(parts: list[pd.Series], delimiter: str) -> pd.Series:
    """Join column Series row-wise with a delimiter."""
    if len(parts) == 1:
        return parts[0]
    return parts[0].str.cat(parts[1:], sep=delimiter)


def delimited_rows(
    cells: pd.DataFrame,
    columns: tuple[str, ...],
    delimiter: str,
    quote_everything: bool = False,
    unquoted: dict[str, np.ndarray] | None = None,
) -> pd.Series:
    """One text line per row; `unquoted` marks cells written raw (the ragged-row fault)."""
    parts = []
    for column in columns:
        value = (
            _text(cells[column])
            if column in cells
            else pd.Series("", index=cells.index, dtype="str")
        )
        quoted = quote_all(value) if quote_everything else quote_minimal(value, delimiter)
        if unquoted and column in unquoted:
            quoted = mask_text(quoted, unquoted[column], value)
        parts.append(quoted)
    return join_columns(parts, delimiter) if parts and len(cells) else pd.Series([], dtype="str")


def header_line(columns: tuple[str, ...], delimiter: str, quote_everything: bool = False) -> str:
    """The header line of a delimited file."""
    names = [f'"{name}"' if quote_everything else name for name in columns]
    return delimiter.join(names)


def byte_lengths(lines: pd.Series) -> np.ndarray:
    """UTF-8 byte length of each line."""
    if lines.empty:
        return np.zeros(0, dtype=np.int64)
    return (
        pc.binary_length(pa.array(lines.to_numpy(dtype=object), type=pa.string()))
        .to_numpy()
        .astype(np.int64)
    )


def rows_starting_before(
    header_bytes: int, line_bytes: np.ndarray, terminator_bytes: int, cut: int
) -> int:
    """How many rows begin before byte offset `cut`."""
    starts = (
        header_bytes
        + terminator_bytes
        + np.concatenate([[0], np.cumsum(line_bytes + terminator_bytes)[:-1]])
    )
    return int((starts < cut).sum())


def _assemble(header: str, lines: pd.Series, terminator: str) -> str:
    """Header plus lines, each ended by the terminator."""
    return terminator.join([header, *lines.tolist()]) + terminator


def write_text_table(
    path: Path,
    cells: pd.DataFrame,
    columns: tuple[str, ...],
    *,
    delimiter: str = ",",
    bom: bool = False,
    quote_everything: bool = False,
    cut_fraction: float | None = None,
) -> WriteResult:
    """A UTF-8 delimited file (LF line ends); optionally cut off after a share of its bytes."""
    lines = delimited_rows(cells, columns, delimiter, quote_everything)
    header = ("\ufeff" if bom else "") + header_line(columns, delimiter, quote_everything)
    data = _assemble(header, lines, "\n").encode("utf-8")
    if cut_fraction is None:
        path.write_bytes(data)
        return WriteResult.complete(len(cells))
    cut = int(len(data) * cut_fraction)
    path.write_bytes(data[:cut])
    rows = rows_starting_before(len(header.encode("utf-8")), byte_lengths(lines), 1, cut)
    return WriteResult.complete(rows)


def _utf8_fallback(error: UnicodeError) -> tuple[bytes, int]:
    """Encode what cp1252 cannot as UTF-8 bytes (the SIMUMKM mixed-encoding fault)."""
    assert isinstance(error, UnicodeEncodeError)  # registered for encoding only
    return error.object[error.start : error.end].encode("utf-8"), error.end


def write_r2(
    path: Path,
    cells: pd.DataFrame,
    columns: tuple[str, ...],
    rng: np.random.Generator,
    bad_bytes: bool = False,
) -> WriteResult:
    """SIMUMKM CSV: cp1252, `;`, CRLF, minimal quoting; ragged rows keep their `;` raw."""
    cells = cells.copy()
    ragged = (
        cells["_ragged"].to_numpy(dtype=bool)
        if "_ragged" in cells
        else np.zeros(len(cells), dtype=bool)
    )
    errors = "strict"
    if bad_bytes and len(cells):
        share = rng.uniform(*R2_BAD_ROW_SHARE)
        rows = flags(rng, len(cells), share)
        icon = choose_text(rng, ("⭐", "🍜", "⭐⭐"), len(cells), index=cells.index)
        cells.loc[rows, "nama_usaha"] = (_text(cells["nama_usaha"]) + " " + icon)[rows]
        codecs.register_error(UTF8_FALLBACK, _utf8_fallback)
        errors = UTF8_FALLBACK
    lines = delimited_rows(cells, columns, ";", unquoted={"alamat": ragged})
    path.write_bytes(
        _assemble(header_line(columns, ";"), lines, "\r\n").encode("cp1252", errors=errors)
    )
    return WriteResult.complete(len(cells))


def json_object(fields: list[tuple[str, pd.Series]], index: pd.Index) -> pd.Series:
    """`{"a": 1, "b": "x"}` per row from JSON literals; '' literals leave the key out."""
    body = pd.Series("", index=index, dtype="str")
    for name, literal in fields:
        literal = _text(literal)
        piece = f'"{name}": ' + literal
        joined = (body + ", " + piece).where(body != "", piece)
        body = joined.where(literal != "", body)
    return "{" + body + "}"


def _nested(cells: pd.DataFrame, names: tuple[str, ...]) -> list[tuple[str, pd.Series]]:
    """Group dotted field names (`owner.name`) into nested objects, keeping order."""
    fields: list[tuple[str, pd.Series]] = []
    groups: dict[str, list[tuple[str, pd.Series]]] = {}
    for name in names:
        if "." in name:
            parent, child = name.split(".", 1)
            if parent not in groups:
                groups[parent] = []
                fields.append((parent, pd.Series(dtype="str")))
            groups[parent].append((child, cells[name]))
        else:
            fields.append((name, cells[name]))
    return [
        (name, json_object(groups[name], cells.index) if name in groups else value)
        for name, value in fields
    ]


def json_lines(cells: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    """One JSON object per row from dotted JSON-literal columns."""
    if cells.empty:
        return pd.Series([], dtype="str")
    return json_object(_nested(cells, names), cells.index)


def write_r3(
    path: Path,
    cells: pd.DataFrame,
    names: tuple[str, ...],
    ctx: RenderContext,
    rng: np.random.Generator,
    fault: str | None = None,
) -> WriteResult:
    """The Cilegon API document; a fault truncates `data` or cuts the text itself."""
    records = json_lines(cells, names)
    count = len(records)
    if fault == "cilegon_truncated":
        records = records.iloc[: int(count * rng.uniform(0.4, 0.8))]
    stamp = f"{ctx.delivery_date.isoformat()}T01:00:00+07:00"
    head = f'{{"generated_at": "{stamp}", "count": {count}, "data": ['
    if records.empty:
        text = head + "]}"
    else:
        text = head + "\n" + ",\n".join(("  " + records).tolist()) + "\n ]}"
    data = text.encode("utf-8")
    if fault != "cilegon_cut":
        path.write_bytes(data)
        return WriteResult.complete(len(records))
    cut = int(len(data) * rng.uniform(0.3, 0.8))
    path.write_bytes(data[:cut])
    segment_bytes = byte_lengths(records) + len("  ,\n")
    starts = len(head.encode("utf-8")) + 1 + np.concatenate([[0], np.cumsum(segment_bytes)[:-1]])
    return WriteResult.complete(int((starts < cut).sum()))


def write_bukalapak(
    path: Path, cells: pd.DataFrame, names: tuple[str, ...], rng: np.random.Generator
) -> WriteResult:
    """JSON Lines; a few lines are cut short (broken JSON), the rest stay valid."""
    lines = json_lines(cells, names)
    broken = rare_flags(rng, len(lines), BROKEN_JSONL_LINE_RATE)
    lengths = lines.str.len().to_numpy()
    cut_at = np.floor(lengths * rng.uniform(0.1, 0.9, size=len(lines))).astype(np.int64)
    cut_at = np.where(flags(rng, len(lines), 0.1), rng.integers(1, 20, size=len(lines)), cut_at)
    key_end = (
        len('{"store_id": ')
        + _text(cells.get("store_id", pd.Series(dtype="str"))).str.len().to_numpy()
        + 1
    )
    for position in np.unique(cut_at[broken]):
        rows = broken & (cut_at == position)
        lines[rows] = lines[rows].str.slice(0, int(position))
    text = "\n".join(lines.tolist()) + "\n" if len(lines) else ""
    path.write_bytes(text.encode("utf-8"))
    return WriteResult(len(lines), broken, broken & (cut_at < key_end))


def _workbook(path: Path, ctx: RenderContext) -> Any:
    """An xlsxwriter workbook in constant-memory mode with fixed metadata (for byte-identical output)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    created = dt.datetime.combine(ctx.delivery_date, dt.time(1, 0))
    workbook.set_properties({"created": created, "author": "", "title": ""})
    return workbook


def write_typed_row(sheet: Any, row: int, values: Any, date_format: Any) -> None:
    """Write one row of Python values: str as text, numbers as numbers, dates as dates, None skipped."""
    for column, value in enumerate(values):
        if value is None or value != value:
            continue
        kind = type(value)
        if kind is str:
            sheet.write_string(row, column, value)
        elif kind is dt.date or kind is dt.datetime:
            sheet.write_datetime(row, column, value, date_format)
        else:
            sheet.write_number(row, column, float(value))


def _title_rows(spec_kab: str, ctx: RenderContext, layout: np.random.Generator) -> list[str]:
    """Two to four title rows above an R1 header."""
    previous_month = ctx.delivery_date.replace(day=1) - dt.timedelta(days=1)
    month = vocab.INDONESIAN_MONTHS[previous_month.month - 1].upper()
    titles = [
        "DATA UMKM BINAAN",
        DINAS_NAMES[spec_kab],
        f"KEADAAN S.D. {month} {previous_month.year}",
        f"TAHUN ANGGARAN {ctx.delivery_date.year}",
    ]
    return titles[: int(layout.integers(2, 5))]


def _write_rekap(workbook: Any, counts: pd.Series) -> None:
    """The REKAP sheet: businesses per kecamatan as the Dinas typed them."""
    sheet = workbook.add_worksheet("REKAP")
    sheet.write_string(0, 0, "REKAPITULASI UMKM PER KECAMATAN")
    for column, name in enumerate(("NO", "KECAMATAN", "JUMLAH UMKM")):
        sheet.write_string(2, column, name)
    for number, (kecamatan, count) in enumerate(counts.items(), start=1):
        sheet.write_number(2 + number, 0, number)
        sheet.write_string(2 + number, 1, str(kecamatan))
        sheet.write_number(2 + number, 2, int(count))


def _write_footer(
    sheet: Any, row: int, rows: int, kab: str, ctx: RenderContext, layout: np.random.Generator
) -> None:
    """Blank row, optional JUMLAH row, and the Kepala Dinas signature block."""
    row += 1
    if layout.random() < 0.6:
        sheet.write_string(row, 1, "JUMLAH")
        sheet.write_number(row, 12, rows)
        row += 2
    months = vocab.INDONESIAN_MONTHS[ctx.delivery_date.month - 1]
    sheet.write_string(
        row, 10, f"{DINAS_PLACES[kab]}, {ctx.delivery_date.day} {months} {ctx.delivery_date.year}"
    )
    sheet.write_string(row + 1, 10, "Kepala Dinas,")
    sheet.write_string(
        row + 4,
        10,
        vocab.HEAD_OF_OFFICE_NAMES[int(layout.integers(0, len(vocab.HEAD_OF_OFFICE_NAMES)))],
    )
    sheet.write_string(row + 5, 10, "NIP. 19700101 199003 1 001")


def write_r1(
    path: Path, cells: pd.DataFrame, columns: tuple[str, ...], ctx: RenderContext, seed: int
) -> WriteResult:
    """A Dinas workbook: REKAP / DATA UMKM / Sheet1, title rows, header, data, footer."""
    layout = child_rng(seed, "r1_layout", ctx.spec.key)
    workbook = _workbook(path, ctx)
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    with_rekap, with_sheet1, blank_before_header = layout.random(3) < (0.7, 0.5, 0.5)
    if with_rekap:
        _write_rekap(
            workbook, cells["KECAMATAN"].dropna().astype("str").value_counts().sort_index()
        )
    sheet = workbook.add_worksheet("DATA UMKM")
    titles = _title_rows(ctx.spec.kab_code, ctx, layout)
    for row, title in enumerate(titles):
        sheet.write_string(row, 0, title)
    header_row = len(titles) + int(blank_before_header)
    write_typed_row(sheet, header_row, columns, None)
    data = cells.copy()
    data["NO"] = np.arange(1, len(data) + 1)
    for offset, values in enumerate(zip(*(data[column].tolist() for column in columns))):
        write_typed_row(sheet, header_row + 1 + offset, values, date_format)
    _write_footer(sheet, header_row + 1 + len(data), len(data), ctx.spec.kab_code, ctx, layout)
    if with_sheet1:
        workbook.add_worksheet("Sheet1")
    workbook.close()
    return WriteResult.complete(len(cells))


def write_lazada(
    path: Path, cells: pd.DataFrame, columns: tuple[str, ...], ctx: RenderContext
) -> WriteResult:
    """lazada_sellers.xlsx: sheet `Sellers`, header on row 1, Seller ID always text."""
    workbook = _workbook(path, ctx)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Sellers")
    write_typed_row(sheet, 0, columns, None)
    for offset, values in enumerate(zip(*(cells[column].tolist() for column in columns))):
        write_typed_row(sheet, offset + 1, values, date_format)
    workbook.close()
    return WriteResult.complete(len(cells))
