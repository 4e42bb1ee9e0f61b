"""Helpers that write small source files in the landing contract's formats into tmp_path.

Every builder writes bytes (or an xlsx through xlsxwriter, with explicit cell types) so that
the tests control each quirk of the contract: cp1252 bytes, ``;`` and CRLF, BOMs, Excel
number / date / text cells, title rows and footers, truncated JSON, broken JSON lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from schemas.catalog import FORMATS, SOURCES_BY_KEY
from umkm.ingest.landing import complete_deliveries
from umkm.ingest.snapshots import SourceSnapshot, load_source_snapshot

BOM = b"\xef\xbb\xbf"


# --- Excel -------------------------------------------------------------------------------


class Num(float):
    """An Excel number cell (``write_number``)."""


class Text(str):
    """An Excel text cell (``write_string``), even when it looks like a number."""


def _write_cell(ws, row: int, col: int, value, date_format) -> None:
    if value is None or value == "":
        return  # a truly empty cell
    if isinstance(value, Text):
        ws.write_string(row, col, str(value))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, float(value))
    elif isinstance(value, (date, datetime)):
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        ws.write_datetime(row, col, value, date_format)
    else:
        ws.write_string(row, col, str(value))


R1_HEADER = list(FORMATS["R1"].columns)

DEFAULT_TITLES = (
    "DATA UMKM BINAAN",
    "DINAS KOPERASI DAN UKM KABUPATEN LEBAK",
    "KEADAAN S.D. OKTOBER 2026",
)

DEFAULT_FOOTER = (
    {12: "JUMLAH", 13: "3"},
    {},
    {10: "Lebak, 24 November 2026"},
    {10: "Kepala Dinas,"},
    {},
    {10: "Hj. Euis Komalasari, S.E., M.M."},
    {10: "NIP. 19700101 199003 1 001"},
)


def r1_row(**values) -> list:
    """One R1 data row from keyword values named after the header (spaces etc. -> ``_``)."""
    names = {
        "no": "NO",
        "id": "ID UMKM",
        "nama_usaha": "NAMA USAHA",
        "nama_pemilik": "NAMA PEMILIK",
        "nik": "NIK",
        "jk": "JENIS KELAMIN",
        "alamat": "ALAMAT",
        "kelurahan": "DESA/KELURAHAN",
        "kecamatan": "KECAMATAN",
        "hp": "NO. HP/WA",
        "bidang": "BIDANG USAHA",
        "nib": "NIB",
        "omzet": "OMZET/TAHUN (Rp)",
        "tanggal": "TANGGAL TERDAFTAR",
    }
    unknown = set(values) - set(names)
    if unknown:
        raise TypeError(f"unknown R1 fields {unknown}")
    by_column = {names[k]: v for k, v in values.items()}
    return [by_column.get(c, "") for c in R1_HEADER]


def write_r1_xlsx(
    path: Path,
    rows: Sequence[Sequence],
    *,
    titles: Sequence[str] = DEFAULT_TITLES,
    blank_before_header: bool = True,
    header: Sequence[str] | None = R1_HEADER,
    footer: Sequence[dict] = DEFAULT_FOOTER,
    data_sheet: str = "DATA UMKM",
    other_sheets: bool = True,
) -> Path:
    """An R1 workbook: REKAP, DATA UMKM (titles, blank, header, rows, blank, footer), Sheet1."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
    if other_sheets:
        rekap = wb.add_worksheet("REKAP")
        rekap.write_string(0, 0, "REKAPITULASI UMKM PER KECAMATAN")
        rekap.write_row(2, 0, ["NO", "KECAMATAN", "JUMLAH UMKM"])
        rekap.write_row(3, 0, [1, "NAMA USAHA", 12])  # a decoy cell equal to the marker
    ws = wb.add_worksheet(data_sheet)
    r = 0
    for title in titles:
        ws.write_string(r, 0, title)
        r += 1
    if blank_before_header:
        r += 1
    if header is not None:
        for c, name in enumerate(header):
            ws.write_string(r, c, name)
        r += 1
    for row in rows:
        for c, value in enumerate(row):
            _write_cell(ws, r, c, value, date_format)
        r += 1
    r += 1  # the first fully blank row ends the data
    for line in footer:
        for c, value in line.items():
            _write_cell(ws, r, c, value, date_format)
        r += 1
    if other_sheets:
        sheet1 = wb.add_worksheet("Sheet1")
        sheet1.write_string(0, 0, "catatan")
    wb.close()
    return path


LAZADA_HEADER = list(FORMATS["LAZADA"].columns)


def write_lazada_xlsx(path: Path, rows: Sequence[Sequence]) -> Path:
    """Lazada's sheet ``Sellers``, header on row 1; pass Seller ID as text."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("Sellers")
    for c, name in enumerate(LAZADA_HEADER):
        ws.write_string(0, c, name)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            _write_cell(ws, r, c, value, date_format)
    wb.close()
    return path


# --- delimited text ----------------------------------------------------------------------


def _quote(value: str, delimiter: str, quote_all: bool = False) -> str:
    if quote_all or any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def delimited_text(
    header: Sequence[str],
    rows: Iterable,
    *,
    delimiter: str = ",",
    newline: str = "\n",
    quote_all: bool = False,
) -> str:
    """Header and rows joined as the exporter would; a row given as ``str`` is written raw
    (to build ragged or otherwise faulty lines). ``quote_all`` quotes every field (OSS)."""
    lines = [delimiter.join(_quote(h, delimiter, quote_all) for h in header)]
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
        else:
            lines.append(delimiter.join(_quote(str(v), delimiter, quote_all) for v in row))
    return newline.join(lines) + newline


R2_HEADER = list(FORMATS["R2"].columns)


def r2_row(**values) -> list[str]:
    unknown = set(values) - set(R2_HEADER)
    if unknown:
        raise TypeError(f"unknown R2 fields {unknown}")
    return [str(values.get(c, "")) for c in R2_HEADER]


def r2_bytes(rows: Iterable, *, extra_bytes: bytes = b"") -> bytes:
    """R2: cp1252, ``;``, CRLF. ``extra_bytes`` is appended raw (after the final CRLF)."""
    text = delimited_text(R2_HEADER, rows, delimiter=";", newline="\r\n")
    return text.encode("cp1252") + extra_bytes


def csv_bytes(
    header: Sequence[str],
    rows: Iterable,
    *,
    delimiter: str = ",",
    bom: bool = False,
    newline: str = "\n",
    quote_all: bool = False,
) -> bytes:
    data = delimited_text(
        header, rows, delimiter=delimiter, newline=newline, quote_all=quote_all
    ).encode("utf-8")
    return (BOM + data) if bom else data


def row_of(fmt_name: str, **values) -> list[str]:
    """A row of a comma/semicolon format from keyword values named after its columns."""
    columns = list(FORMATS[fmt_name].columns)
    unknown = set(values) - set(columns)
    if unknown:
        raise TypeError(f"unknown {fmt_name} fields {unknown}")
    return [str(values.get(c, "")) for c in columns]


def format_bytes(
    fmt_name: str, rows: Iterable, *, bom: bool = False, quote_all: bool = False
) -> bytes:
    fmt = FORMATS[fmt_name]
    return csv_bytes(list(fmt.columns), rows, delimiter=fmt.delimiter, bom=bom, quote_all=quote_all)


# --- JSON --------------------------------------------------------------------------------


def r3_bytes(records: list[dict], *, count: int | None = None) -> bytes:
    document = {
        "generated_at": "2026-11-24T01:00:00+07:00",
        "count": len(records) if count is None else count,
        "data": records,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def jsonl_bytes(lines: Iterable) -> bytes:
    """JSON lines; a ``str`` item is written as it is (a broken line)."""
    out = []
    for item in lines:
        out.append(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


# --- landing zone ------------------------------------------------------------------------


def write_file(path: Path, content: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def make_delivery(
    root: Path, day: str, files: dict[str, bytes] | None = None, *, complete: bool = True
) -> Path:
    """A delivery folder ``root/day`` with the given files (relative path -> bytes)."""
    folder = Path(root) / day
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in (files or {}).items():
        write_file(folder / relative, content)
    if complete:
        (folder / "_SUCCESS").write_bytes(b"")
    return folder


def source_path(root: Path, day: str, source_key: str) -> Path:
    """Where the source's file goes inside delivery ``day`` (the folder is created)."""
    path = Path(root) / day / SOURCES_BY_KEY[source_key].path
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def load(root: Path, source_key: str) -> SourceSnapshot:
    """load_source_snapshot of one source over the complete deliveries under ``root``."""
    return load_source_snapshot(complete_deliveries(root), SOURCES_BY_KEY[source_key])


def single_delivery_snapshot(
    root: Path, source_key: str, content: bytes | None = None, day: str = "2026-11-24", writer=None
) -> SourceSnapshot:
    """One complete delivery holding one source file (bytes, or ``writer(path)``); loaded."""
    path = source_path(root, day, source_key)
    if writer is not None:
        writer(path)
    else:
        path.write_bytes(content)
    (Path(root) / day / "_SUCCESS").write_bytes(b"")
    return load(root, source_key)


def assert_conserved(snapshot: SourceSnapshot, rows_in_file: int | None = None) -> None:
    """Rows read = accepted + quarantined, every quarantine reason is a known one."""
    assert snapshot.records_read == len(snapshot.accepted) + len(snapshot.rejected), (
        snapshot.records_read,
        len(snapshot.accepted),
        len(snapshot.rejected),
    )
    if rows_in_file is not None:
        assert snapshot.records_read == rows_in_file
    assert set(snapshot.rejected["reason"]) <= {
        "malformed",
        "duplicate_key",
        "no_usable_name",
        "out_of_scope",
    }


def accepted_by_id(snapshot: SourceSnapshot) -> dict[str, dict]:
    accepted = snapshot.accepted
    return {str(r["source_record_id"]): r for r in accepted.to_dict("records")}


def rejected_reasons(snapshot: SourceSnapshot) -> dict[str, str]:
    """source_record_id (or ``row <n>`` when it has none) -> reason."""
    out = {}
    for r in snapshot.rejected.to_dict("records"):
        key = r["source_record_id"]
        if key is None or (isinstance(key, float) and key != key):
            key = f"row {r['row_number']}"
        out[str(key)] = r["reason"]
    return out
