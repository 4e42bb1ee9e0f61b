"""Hypothesis strategies that write hostile source files in all ten formats of the contract.

Shared by the property-based tests (``tests/test_fuzz_sources.py``, a bounded number of
examples) and the fuzz benchmark (``benchmarks/fuzz_sources.py``, many more). A drawn
``HostileFile`` writes itself into a delivery folder of a temporary landing zone, where the
real reader, validation and standardisation (``umkm.ingest.snapshots.load_source_snapshot``) meet it.

What a file can hold: cells drawn from ``HOSTILE_VALUES`` (placeholders, 10,000-character
text, emoji, zero-width and combining characters, Arabic and Chinese script, numbers in
exponent form, absurd counts, impossible dates, Unix milliseconds, formula text, control
characters) or from plausible values of the column; any subset of columns blank; headers
shuffled, re-cased and padded, a column missing, extra columns; ragged rows, CRLF or LF, with
or without a BOM, cp1252 where UTF-8 was due and the reverse; Excel cells typed as numbers,
dates (serial 0, 60, 9999-12-31), booleans or text; JSON values of any type, wrong counts, lines
cut short; a header-only file, an empty file and a file of garbage bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from hypothesis import strategies as st

from schemas.catalog import FormatSpec, SourceSpec

#: the values every standardiser must survive in every cell
HOSTILE_VALUES = (
    "",
    " ",
    "  \t ",
    "<NA>",
    "NA",
    "nan",
    "NaN",
    "None",
    "null",
    "NULL",
    "N/A",
    "n/a",
    "-",
    "--",
    ".",
    "...",
    "???",
    "?",
    "tidak ada",
    "Tidak Ada",
    "0",
    "00",
    "x" * 10_000,
    "🏪🔥",
    "Toko 😀 Berkah",
    "\u200b",
    "\u200bToko\u200d Maju",
    "a\u0301b\u0327",
    "e\u0301" * 50,
    "متجر البركة",
    "杂货店",
    "ร้านค้า",
    "6.28E+11",
    "3.602044E+15",
    "1e308",
    "-1e308",
    "inf",
    "-5",
    "-0",
    "999999999999999999999999",
    "1,2rb",
    "12 juta",
    "Rp -",
    "Rp 1.5.5",
    "1.500.000,00",
    "31/02/2021",
    "29/02/2023",
    "13/13/2021",
    "0000-00-00",
    "9999-12-31",
    "9999-12-31T23:59:59+07:00",
    "1900-02-29",
    "Maret 2021",
    "Smarch 2021",
    "1700000000",
    "1700000000000",
    "-1700000000",
    "60",
    "2958466",
    "=1+1",
    "+62",
    "@SUM(A1)",
    "'=cmd|' /C calc'!A0",
    '"',
    "'",
    ";",
    ",",
    "a;b",
    "a,b",
    "line\nbreak",
    "cr\rreturn",
    "\x01\x02",
    "\x7f",
    "true",
    "false",
    "TRUE",
    "AKTIF",
    "TUTUP",
    "Active",
    "Suspended",
    "+62 812-3456-7890",
    "0812****7890",
    "0812-3456-7890 / 0857 1122 3344",
    "(0252) 201234",
    "Kab. Tangerang",
    "Tangerang",
    "KOTA SERANG - CIPOCOK JAYA",
    " - ",
    "Jawa Barat",
    "Banten",
    "15560",
    "99999",
    "36.03.05.1002",
    "3603051002",
    "9120301234567",
    "10794|47111",
    "Orang Perseorangan",
    "Usaha Mikro",
    "Toko Berkah",
    "PT BUAH RIZKI",
    "H. Tasnim, S.E.",
    "LBK-000123",
    "4411",
    "BAS-60012",
)

#: record keys a format's pattern accepts, and some it does not
_KEYS = {
    "R1": st.from_regex(r"\A[A-Z]{2,5}-\d{1,7}\Z"),
    "R2": st.from_regex(r"\A\d{1,12}\Z"),
    "R3": st.from_regex(r"\A\d{1,9}\Z"),
    "OSS": st.from_regex(r"\A\d{13}\Z"),
    "BLIBLI": st.from_regex(r"\A[A-Z0-9]{2,4}-\d{1,6}\Z"),
}
_NUMERIC_KEY = st.from_regex(r"\A\d{1,20}\Z")


def key_strategy(fmt: FormatSpec) -> st.SearchStrategy[str]:
    """Record keys: mostly of the format's shape, sometimes hostile."""
    good = _KEYS.get(
        fmt.name,
        _NUMERIC_KEY if fmt.record_key_pattern != ".+" else st.text(min_size=1, max_size=12),
    )
    return st.one_of(good, good, good, st.sampled_from(HOSTILE_VALUES))


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
CELL = st.one_of(st.sampled_from(HOSTILE_VALUES), st.sampled_from(HOSTILE_VALUES), _TEXT)


@dataclass
class HostileFile:
    """One drawn file of one source, and how it was made (shown by Hypothesis on failure)."""

    source: SourceSpec
    content: bytes | None  # None: an Excel workbook written by ``excel`` instead
    excel: dict | None = None
    shape: str = ""

    def __repr__(self) -> str:
        body = (
            repr(self.content[:400])
            if self.content is not None
            else repr({k: v for k, v in self.excel.items() if k != "rows"})
            + f" rows={self.excel['rows']!r:.600}"
        )
        return f"HostileFile({self.source.key}, {self.shape}, {body})"

    def write(self, delivery: Path) -> Path:
        """Write the file into the delivery folder; returns its path."""
        path = delivery / self.source.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.content is not None:
            path.write_bytes(self.content)
        else:
            _write_workbook(path, **self.excel)
        return path


# --- Excel -------------------------------------------------------------------------------

_EXCEL_CELL = st.one_of(
    CELL,
    CELL,
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 60.0, 61.0, -1.0, 2958465.0, 2958466.0, 1e15, 3602044507800002.0]),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    st.booleans(),
)


def _write_cell(ws, row: int, col: int, value, date_format, serial_date_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, float) and value in (0.0, 60.0, 61.0, -1.0, 2958465.0, 2958466.0):
        ws.write_number(row, col, value, serial_date_format)  # a number shown as a date
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, date_format)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), date_format)
    else:
        ws.write_string(row, col, str(value)[:32_000])


def _write_workbook(
    path: Path,
    sheet: str,
    titles: list[str],
    header: list[str] | None,
    rows: list[list],
    footer: bool,
    other_sheet: bool,
) -> None:
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
    serial = wb.add_format({"num_format": "yyyy-mm-dd"})
    if other_sheet:
        wb.add_worksheet("REKAP").write_string(0, 0, "NAMA USAHA")
    ws = wb.add_worksheet(sheet)
    r = 0
    for title in titles:
        ws.write_string(r, 0, title)
        r += 1
    if header is not None:
        for c, name in enumerate(header):
            ws.write_string(r, c, name)
        r += 1
    for row in rows:
        for c, value in enumerate(row):
            _write_cell(ws, r, c, value, date_format, serial)
        r += 1
    if footer:
        ws.write_string(r + 1, 10, "Kepala Dinas,")
        ws.write_string(r + 2, 0, "JUMLAH")
    wb.close()


# --- headers -----------------------------------------------------------------------------


@st.composite
def drifted_header(draw, columns: tuple[str, ...]) -> tuple[list[str], str]:
    """The format's header, maybe shuffled, re-cased, padded, one column short, with extras."""
    header = list(columns)
    shape = []
    if draw(st.booleans()):
        header = draw(st.permutations(header))
        shape.append("shuffled")
    if draw(st.booleans()):
        case = draw(st.sampled_from([str.upper, str.lower, str.title]))
        header = [case(h) for h in header]
        shape.append("re-cased")
    if draw(st.booleans()):
        header = [f" {h}  " for h in header]
        shape.append("padded")
    if len(header) > 1 and draw(st.integers(0, 5)) == 0:
        dropped = draw(st.sampled_from(header))
        header = [h for h in header if h != dropped]
        shape.append(f"missing {dropped.strip()!r}")
    extras = draw(
        st.lists(st.sampled_from(["catatan", "extra", "Unnamed: 9", "", "rating"]), max_size=2)
    )
    if extras:
        header = header + extras
        shape.append(f"extra {extras}")
    return header, ",".join(shape)


def _rows_for(draw, fmt: FormatSpec, header: list[str], n_rows: int, cell) -> list[list]:
    """Rows aligned with ``header``: the record key where the key column is, else cells; any
    subset of columns left blank; some rows ragged."""
    blank = set(draw(st.lists(st.sampled_from(header), max_size=len(header))))
    key_name = fmt.record_key.casefold()
    rows = []
    for _ in range(n_rows):
        row = []
        for name in header:
            if name in blank:
                row.append("")
            elif name.strip().casefold() == key_name:
                row.append(draw(key_strategy(fmt)))
            else:
                row.append(draw(cell))
        cut = draw(st.integers(-3, 3))
        if cut < 0 and len(row) > 1:
            row = row[:cut]
        elif cut == 3:
            row = row + [draw(CELL)]
        rows.append(row)
    return rows


# --- delimited text ----------------------------------------------------------------------


def _quote(value: str, delimiter: str) -> str:
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def delimited_file(draw, source: SourceSpec) -> HostileFile:
    fmt = source.format
    header, shape = draw(drifted_header(fmt.columns))
    rows = _rows_for(draw, fmt, header, draw(st.integers(0, 8)), CELL)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [fmt.delimiter.join(_quote(h, fmt.delimiter) for h in header)]
    lines += [fmt.delimiter.join(_quote(str(v), fmt.delimiter) for v in row) for row in rows]
    text = newline.join(lines) + newline
    encoding = fmt.encoding
    if draw(st.integers(0, 4)) == 0:  # encoding drift: cp1252 <-> UTF-8
        encoding = "utf-8" if encoding.lower() == "cp1252" else "cp1252"
        shape += ",encoding drift"
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
        shape += ",BOM"
    return HostileFile(source, data, shape=f"{len(rows)} rows,{newline!r},{shape}")


# --- JSON --------------------------------------------------------------------------------

_JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), CELL),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["nama", "x", "0"]), inner, max_size=2),
    ),
    max_leaves=4,
)


def _set_path(record: dict, json_path: str, value) -> None:
    parts = json_path.removeprefix("$.").split(".")
    node = record
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


@st.composite
def json_record(draw, fmt: FormatSpec):
    record: dict = {}
    if draw(st.integers(0, 9)):
        key = draw(key_strategy(fmt))
        record[fmt.record_key] = (
            int(key) if key.isdigit() and len(key) < 18 and draw(st.booleans()) else key
        )
    for path in fmt.mapping:
        if draw(st.integers(0, 3)):
            _set_path(record, path, draw(_JSON_VALUE))
    if not draw(st.integers(0, 19)):
        return draw(_JSON_VALUE)  # not even an object
    return record


@st.composite
def json_document_file(draw, source: SourceSpec) -> HostileFile:
    fmt = source.format
    records = draw(st.lists(json_record(fmt), max_size=8))
    count = draw(
        st.one_of(
            st.just(len(records)), st.just(len(records)), st.integers(-1, 10), st.none(), CELL
        )
    )
    document = {"generated_at": draw(CELL), "count": count, "data": records}
    if not draw(st.integers(0, 9)):
        document.pop("data")
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    data = text.encode("utf-8")
    if not draw(st.integers(0, 5)):
        data = data[: draw(st.integers(0, len(data)))]
    return HostileFile(source, data, shape=f"{len(records)} records, count {count!r}")


@st.composite
def json_lines_file(draw, source: SourceSpec) -> HostileFile:
    fmt = source.format
    records = draw(st.lists(json_record(fmt), max_size=8))
    lines = []
    for record in records:
        line = json.dumps(record, ensure_ascii=draw(st.booleans()))
        if not draw(st.integers(0, 5)):
            line = line[: draw(st.integers(0, len(line)))]  # cut short
        lines.append(line)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    data = (newline.join(lines) + (newline if draw(st.booleans()) else "")).encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return HostileFile(source, data, shape=f"{len(lines)} lines")


# --- Excel formats -----------------------------------------------------------------------


@st.composite
def excel_file(draw, source: SourceSpec) -> HostileFile:
    fmt = source.format
    header, shape = draw(drifted_header(fmt.columns))
    rows = _rows_for(draw, fmt, header, draw(st.integers(0, 8)), _EXCEL_CELL)
    rows = [row for row in rows if any(v not in ("", None) for v in row)] or rows
    titled = fmt.reader == "titled_excel"
    titles = (
        draw(
            st.lists(
                st.sampled_from(
                    ["DATA UMKM BINAAN", "DINAS KOPERASI", "", "KEADAAN S.D. OKTOBER 2026"]
                ),
                min_size=0 if not titled else 1,
                max_size=4,
            )
        )
        if titled
        else []
    )
    sheet = fmt.sheet if draw(st.integers(0, 9)) else "Sheet1"
    excel = {
        "sheet": sheet,
        "titles": titles,
        "header": header if draw(st.integers(0, 9)) else None,
        "rows": rows,
        "footer": titled and draw(st.booleans()),
        "other_sheet": draw(st.booleans()),
    }
    return HostileFile(
        source, None, excel=excel, shape=f"{len(rows)} rows, sheet {sheet!r}, {shape}"
    )


# --- any file of a source ----------------------------------------------------------------

_GARBAGE = st.one_of(
    st.binary(max_size=200),
    st.just(b""),
    st.just(b"PK\x03\x04 not really a zip"),
    st.just(b"\xff\xfe\x00\x00"),
    st.just(b"\x00" * 64),
)

_BUILDERS = {
    "csv": delimited_file,
    "json_document": json_document_file,
    "json_lines": json_lines_file,
    "excel": excel_file,
    "titled_excel": excel_file,
}


@st.composite
def hostile_file(draw, source: SourceSpec) -> HostileFile:
    """A file of ``source``: mostly its format bent out of shape, sometimes garbage bytes or
    a header-only file."""
    fmt = source.format
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return HostileFile(source, draw(_GARBAGE), shape="garbage bytes")
    if kind == 1 and fmt.reader == "csv":
        header = fmt.delimiter.join(fmt.columns) + "\r\n"
        return HostileFile(source, header.encode(fmt.encoding), shape="header only")
    return draw(_BUILDERS[fmt.reader](source))
