"""read_source_file on small files with the landing contract's quirks (text cells, row numbers,
parse errors, BrokenFileError)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from schemas.catalog import FORMATS
from tests.fixtures_builders import (
    BOM,
    LAZADA_HEADER,
    Num,
    Text,
    format_bytes,
    jsonl_bytes,
    r1_row,
    r2_bytes,
    r2_row,
    r3_bytes,
    row_of,
    write_file,
    write_lazada_xlsx,
    write_r1_xlsx,
)
from umkm.ingest.readers import PARSE_ERROR, ROW_NUMBER, BrokenFileError, RawTable, read_source_file

R1 = FORMATS["R1"]
R2 = FORMATS["R2"]
R3 = FORMATS["R3"]


# --- R1: titled Excel ---------------------------------------------------------------------


def _r1_rows():
    return [
        r1_row(
            no=1,
            id="LBK-000123",
            nama_usaha="AKTERRING BAROKAH",
            nama_pemilik="WATI",
            nik=Text("3.602044E+15"),
            jk="P",
            kecamatan="Banjarsari",
            hp=Num(81234567890),
            omzet=Num(150000000),
            tanggal=date(2021, 3, 12),
        ),
        r1_row(
            no=2,
            id="LBK-000124",
            nama_usaha="KELONTONG MAS TASNIM",
            nama_pemilik="H. TASNIM",
            nik=Num(3602044507800002),
            jk="L",
            hp="081342350333 / 089918341494",
            omzet="12 juta",
            tanggal=Text("12/03/2021"),
            nib=Num(9511853934755),
        ),
        r1_row(
            no=3,
            id="LBK-000125",
            nama_usaha="UD Taylor Bu Nur",
            nama_pemilik="Nur Yulianti",
            nik=Text("3602045506900001"),
            jk="",
            hp="(0252) 201234",
            omzet="Rp 150.000.000",
        ),
        r1_row(
            no=4,
            id="LBK-000126",
            nama_usaha="Kedai Sinar",
            nama_pemilik="Halim",
            omzet="1,5 M",
            tanggal=date(2019, 1, 31),
        ),
    ]


@pytest.mark.parametrize(
    "titles, blank_before_header",
    [
        (("DATA UMKM BINAAN", "DINAS KOPERASI DAN UKM KABUPATEN LEBAK"), True),
        (
            (
                "DATA UMKM BINAAN",
                "DINAS KOPERASI DAN UKM KABUPATEN LEBAK",
                "KEADAAN S.D. OKTOBER 2026",
            ),
            True,
        ),
        (
            (
                "DATA UMKM BINAAN",
                "DINAS KOPERASI DAN UKM",
                "KABUPATEN LEBAK",
                "KEADAAN S.D. OKTOBER 2026",
            ),
            True,
        ),
        (("DATA UMKM BINAAN", "DINAS KOPERASI DAN UKM KABUPATEN LEBAK"), False),
    ],
)
def test_r1_finds_header_below_title_rows_and_stops_before_footer(
    tmp_path, titles, blank_before_header
):
    path = write_r1_xlsx(
        tmp_path / "r1.xlsx", _r1_rows(), titles=titles, blank_before_header=blank_before_header
    )
    table = read_source_file(path, R1)
    assert isinstance(table, RawTable)
    rows = table.rows
    assert list(rows["ID UMKM"]) == ["LBK-000123", "LBK-000124", "LBK-000125", "LBK-000126"]
    assert list(rows[ROW_NUMBER]) == [1, 2, 3, 4]
    assert list(rows[PARSE_ERROR]) == ["", "", "", ""]
    assert set(R1.columns) <= set(rows.columns)
    every_cell = set(rows.drop(columns=[ROW_NUMBER]).astype(str).to_numpy().ravel())
    assert "JUMLAH" not in every_cell
    assert "Kepala Dinas," not in every_cell
    assert not any("NIP." in c for c in every_cell)


def test_r1_cells_are_text_and_identifiers_exact(tmp_path):
    path = write_r1_xlsx(tmp_path / "r1.xlsx", _r1_rows())
    rows = read_source_file(path, R1).rows.set_index("ID UMKM")
    # every cell is text
    assert all(isinstance(v, str) for v in rows.drop(columns=[ROW_NUMBER]).to_numpy().ravel())
    # NIK typed as text in scientific notation stays what it is (never a made-up NIK)
    assert rows.loc["LBK-000123", "NIK"] == "3.602044E+15"
    # NIK in a number cell comes back with all 16 digits, no '.0', no exponent
    assert rows.loc["LBK-000124", "NIK"] == "3602044507800002"
    assert rows.loc["LBK-000124", "NIB"] == "9511853934755"
    # a phone in a number cell has lost its leading 0, but not gained a '.0'
    assert rows.loc["LBK-000123", "NO. HP/WA"] == "81234567890"
    assert rows.loc["LBK-000124", "NO. HP/WA"] == "081342350333 / 089918341494"
    assert rows.loc["LBK-000125", "NO. HP/WA"] == "(0252) 201234"
    assert rows.loc["LBK-000123", "OMZET/TAHUN (Rp)"] == "150000000"
    assert rows.loc["LBK-000124", "OMZET/TAHUN (Rp)"] == "12 juta"
    assert rows.loc["LBK-000125", "OMZET/TAHUN (Rp)"] == "Rp 150.000.000"
    assert rows.loc["LBK-000126", "OMZET/TAHUN (Rp)"] == "1,5 M"
    assert rows.loc["LBK-000123", "TANGGAL TERDAFTAR"].startswith("2021-03-12")
    assert rows.loc["LBK-000124", "TANGGAL TERDAFTAR"] == "12/03/2021"
    assert rows.loc["LBK-000125", "TANGGAL TERDAFTAR"] == ""
    assert rows.loc["LBK-000126", "TANGGAL TERDAFTAR"].startswith("2019-01-31")
    assert rows.loc["LBK-000125", "JENIS KELAMIN"] == ""
    assert rows.loc["LBK-000124", "NO"] == "2"


def test_r1_without_data_sheet_is_broken(tmp_path):
    path = write_r1_xlsx(tmp_path / "r1.xlsx", _r1_rows(), data_sheet="DATA")
    with pytest.raises(BrokenFileError, match="DATA UMKM"):
        read_source_file(path, R1)


def test_r1_without_header_row_is_broken(tmp_path):
    path = write_r1_xlsx(tmp_path / "r1.xlsx", _r1_rows(), header=None)
    with pytest.raises(BrokenFileError, match="NAMA USAHA"):
        read_source_file(path, R1)


def test_r1_header_missing_a_column_is_broken(tmp_path):
    header = [c for c in FORMATS["R1"].columns if c != "NIK"] + [""]
    path = write_r1_xlsx(tmp_path / "r1.xlsx", _r1_rows(), header=header)
    with pytest.raises(BrokenFileError, match="NIK"):
        read_source_file(path, R1)


def test_r1_not_a_workbook_is_broken(tmp_path):
    path = write_file(tmp_path / "r1.xlsx", b"PK\x03\x04 this is not really a zip")
    with pytest.raises(BrokenFileError, match="r1.xlsx"):
        read_source_file(path, R1)


# --- R2: SIMUMKM CSV ----------------------------------------------------------------------


def _r2_good_rows():
    return [
        r2_row(
            id_umkm="36030000001",
            nama_usaha="Kedai Café Bu Nur",
            nama_pemilik="Nur’aini",
            nik="3603204507800002",
            alamat="Jl. Raya Serang\r\nBlok C2",
            kecamatan="Legok",
            omzet_bulanan="1.500.000,00",
            tanggal_daftar="12/03/2021",
            status="AKTIF",
        ),
        r2_row(
            id_umkm="36030000002",
            nama_usaha="Warung Sukses",
            nama_pemilik="Suwarni",
            alamat="Gang Kenanga No. 10",
            omzet_bulanan="2.175.000,50",
            tanggal_daftar="03/07/2026",
            status="TUTUP",
        ),
    ]


def _ragged_line() -> str:
    fields = r2_row(
        id_umkm="36030000003",
        nama_usaha="Toko Ragged",
        nama_pemilik="Budi",
        alamat="Jl. Melati; Blok B",
        status="AKTIF",
    )
    return ";".join(fields)  # the ';' inside the address is not quoted


def test_r2_reads_cp1252_semicolon_crlf_and_quoted_line_break(tmp_path):
    data = r2_bytes(_r2_good_rows())
    assert b"\r\n" in data and "é".encode("cp1252") in data and b"\x92" in data  # ’ in cp1252
    path = write_file(tmp_path / "r2.csv", data)
    table = read_source_file(path, R2)
    rows = table.rows
    assert table.warnings == []
    assert list(rows["id_umkm"]) == ["36030000001", "36030000002"]
    assert list(rows[ROW_NUMBER]) == [1, 2]
    assert list(rows[PARSE_ERROR]) == ["", ""]
    assert rows.loc[0, "nama_usaha"] == "Kedai Café Bu Nur"
    assert rows.loc[0, "nama_pemilik"] == "Nur’aini"
    address = rows.loc[0, "alamat"]
    assert address.startswith("Jl. Raya Serang") and address.endswith("Blok C2")
    assert "\n" in address
    assert rows.loc[0, "omzet_bulanan"] == "1.500.000,00"
    assert rows.loc[0, "status"] == "AKTIF"
    assert rows.loc[1, "status"] == "TUTUP"
    # blank fields are empty text, not NaN
    assert rows.loc[1, "nik"] == ""


def test_r2_ragged_row_is_a_parse_error_and_others_are_fine(tmp_path):
    good = _r2_good_rows()
    path = write_file(tmp_path / "r2.csv", r2_bytes([good[0], _ragged_line(), good[1]]))
    rows = read_source_file(path, R2).rows
    assert list(rows["id_umkm"]) == ["36030000001", "36030000003", "36030000002"]
    assert rows.loc[0, PARSE_ERROR] == ""
    assert "18 fields" in rows.loc[1, PARSE_ERROR] and "17" in rows.loc[1, PARSE_ERROR]
    assert rows.loc[2, PARSE_ERROR] == ""
    assert rows.loc[2, "nama_usaha"] == "Warung Sukses"


def test_r2_a_few_non_cp1252_bytes_are_tolerated_with_a_warning(tmp_path):
    rows = _r2_good_rows() + [
        r2_row(id_umkm="36030000004", nama_usaha="Toko QQ Jaya", nama_pemilik="Ani", status="AKTIF")
    ]
    data = r2_bytes(rows).replace(b"QQ", b"\x81\x9d")  # undefined in cp1252
    path = write_file(tmp_path / "r2.csv", data)
    table = read_source_file(path, R2)
    assert len(table.rows) == 3
    assert list(table.rows[PARSE_ERROR]) == ["", "", ""]
    assert len(table.warnings) == 1
    assert "2" in table.warnings[0]
    name = table.rows.loc[2, "nama_usaha"]
    assert name.startswith("Toko ") and name.endswith(" Jaya")
    assert table.rows.loc[0, "nama_usaha"] == "Kedai Café Bu Nur"


def test_r2_file_mostly_not_cp1252_is_broken(tmp_path):
    rows = [
        r2_row(
            id_umkm=f"360300001{i:02d}",
            nama_usaha=f"Toko QQQQ {i}",
            nama_pemilik="Ani QQQQ",
            status="AKTIF",
        )
        for i in range(20)
    ]
    data = r2_bytes(rows).replace(b"QQQQ", b"\x81\x8d\x8f\x90")
    path = write_file(tmp_path / "r2.csv", data)
    with pytest.raises(BrokenFileError, match="r2.csv"):
        read_source_file(path, R2)


def test_r2_file_cut_off_mid_row_is_broken(tmp_path):
    data = r2_bytes(_r2_good_rows())
    data = data[: data.rindex(b"\r\n") - 10]  # cut in the middle of the last row
    assert not data.endswith(b"\n")
    path = write_file(tmp_path / "r2.csv", data)
    with pytest.raises(BrokenFileError, match="r2.csv"):
        read_source_file(path, R2)


def test_r2_file_cut_inside_a_quoted_line_break_is_broken(tmp_path):
    data = r2_bytes(_r2_good_rows())
    data = data[: data.index(b"Jl. Raya Serang\r\n") + len(b"Jl. Raya Serang\r\n")]
    assert data.endswith(b"\r\n")  # ends in a line break, but inside a quoted field
    path = write_file(tmp_path / "r2.csv", data)
    with pytest.raises(BrokenFileError, match="r2.csv"):
        read_source_file(path, R2)


def test_r2_empty_file_is_broken(tmp_path):
    path = write_file(tmp_path / "r2.csv", b"")
    with pytest.raises(BrokenFileError):
        read_source_file(path, R2)


def test_r2_with_comma_delimiter_instead_of_semicolon_is_broken(tmp_path):
    text = ",".join(R2.columns) + "\r\n" + ",".join(_r2_good_rows()[1]) + "\r\n"
    path = write_file(tmp_path / "r2.csv", text.encode("cp1252"))
    with pytest.raises(BrokenFileError, match="header"):
        read_source_file(path, R2)


# --- R3: Kota Cilegon JSON ----------------------------------------------------------------

R3_RECORDS = [
    {
        "id": 4411,
        "usaha": {
            "nama": "Kripik Emping Bu Nur",
            "bidang": "Makanan",
            "nib": "9120301234567",
            "kbli": ["10794"],
        },
        "pemilik": {"nama": "Nurhayati", "nik": "3672054507800002", "hp": ["081298765432"]},
        "lokasi": {
            "alamat": "Link. Cibeber RT 02/03",
            "kelurahan": "Cibeber",
            "kecamatan": "Cibeber",
            "kode_pos": "42426",
        },
        "terdaftar": "2021-03-04",
        "omzet_tahunan": 120000000,
    },
    {
        "id": 4412,
        "usaha": None,
        "pemilik": {"nama": "Ahmad Fauzi", "nik": None, "hp": []},
        "terdaftar": None,
    },
    {
        "id": 4413,
        "usaha": {"nama": "Bengkel Las Jaya", "bidang": None},
        "pemilik": {"nama": None, "hp": ["081234567890", "0857-1122-3344"]},
        "lokasi": {"kecamatan": "Citangkil"},
    },
]


def test_r3_reads_nested_fields_nulls_missing_keys_and_lists(tmp_path):
    path = write_file(tmp_path / "r3.json", r3_bytes(R3_RECORDS))
    table = read_source_file(path, R3)
    rows = table.rows
    assert list(rows["id"]) == ["4411", "4412", "4413"]  # integer ids come back as text
    assert list(rows[ROW_NUMBER]) == [1, 2, 3]
    assert list(rows[PARSE_ERROR]) == ["", "", ""]
    first, second, third = (rows.iloc[i] for i in range(3))
    assert first["$.usaha.nama"] == "Kripik Emping Bu Nur"
    assert first["$.usaha.nib"] == "9120301234567"
    assert first["$.usaha.kbli"] == "10794"
    assert first["$.pemilik.nik"] == "3672054507800002"
    assert first["$.pemilik.hp"] == "081298765432"
    assert first["$.lokasi.kode_pos"] == "42426"
    assert first["$.terdaftar"] == "2021-03-04"
    assert first["$.omzet_tahunan"] == "120000000"
    # null object, null value, missing key, empty list: all empty text
    assert second["$.usaha.nama"] == ""
    assert second["$.pemilik.nik"] == ""
    assert second["$.pemilik.hp"] == ""
    assert second["$.lokasi.alamat"] == ""
    assert second["$.terdaftar"] == ""
    assert second["$.omzet_tahunan"] == ""
    assert second["$.pemilik.nama"] == "Ahmad Fauzi"
    # two phone numbers in the list are both kept
    hp = third["$.pemilik.hp"]
    assert "081234567890" in hp and "0857-1122-3344" in hp
    assert third["$.pemilik.nama"] == ""
    assert third["$.lokasi.kecamatan"] == "Citangkil"


def test_r3_truncated_export_is_broken(tmp_path):
    path = write_file(tmp_path / "r3.json", r3_bytes(R3_RECORDS, count=5))
    with pytest.raises(BrokenFileError, match="truncat") as info:
        read_source_file(path, R3)
    assert "5" in str(info.value) and "3" in str(info.value)


def test_r3_invalid_json_is_broken(tmp_path):
    data = r3_bytes(R3_RECORDS)
    path = write_file(tmp_path / "r3.json", data[: len(data) // 2])
    with pytest.raises(BrokenFileError, match="JSON"):
        read_source_file(path, R3)


def test_r3_empty_export_is_read_as_no_rows(tmp_path):
    path = write_file(tmp_path / "r3.json", r3_bytes([], count=0))
    assert len(read_source_file(path, R3).rows) == 0


# --- JSON lines (Bukalapak) ----------------------------------------------------------------

BUKALAPAK_STORE = {
    "store_id": 881234,
    "username": "dapur_teh_rina",
    "store_name": "Dapur Teh Rina",
    "owner": {"name": "Rina Marlina", "phone": "0857-1122-3344"},
    "address": {
        "street": "Perum Bumi Indah Blok C2 No. 5",
        "district": "Pasar Kemis",
        "city": "Kabupaten Tangerang",
        "province": "Banten",
        "postal_code": "15560",
    },
    "joined_at": "2018-07-02T10:11:12+07:00",
    "product_count": 37,
    "level": "Juragan",
    "closed": False,
}


def test_jsonl_broken_line_is_a_parse_error_with_its_key(tmp_path):
    other = dict(BUKALAPAK_STORE, store_id=881235, store_name="Laundry Jaya", closed=True)
    broken = json.dumps(dict(BUKALAPAK_STORE, store_id=555))[:70]
    path = write_file(tmp_path / "b.jsonl", jsonl_bytes([BUKALAPAK_STORE, broken, other]))
    rows = read_source_file(path, FORMATS["BUKALAPAK"]).rows
    assert list(rows["store_id"]) == ["881234", "555", "881235"]
    assert rows.loc[0, PARSE_ERROR] == "" and rows.loc[2, PARSE_ERROR] == ""
    assert rows.loc[1, PARSE_ERROR] != ""
    assert rows.loc[0, "$.owner.name"] == "Rina Marlina"
    assert rows.loc[0, "$.address.district"] == "Pasar Kemis"
    assert rows.loc[0, "$.product_count"] == "37"
    assert rows.loc[0, "$.closed"] == "false"
    assert rows.loc[2, "$.closed"] == "true"


# --- CSV with BOM, marketplace formats ------------------------------------------------------


def test_blibli_with_bom_and_semicolon(tmp_path):
    data = format_bytes(
        "BLIBLI",
        [
            row_of(
                "BLIBLI",
                merchant_code="BAS-60012",
                merchant_name="Golok Teh Yeni",
                pic_name="Bu Yeni",
                pic_phone="628322179071",
                business_type="Individual",
                city="Kota Tangerang",
                address="Perum Villa Mutiara, Kec. Neglasari",
                join_date="20-09-2025",
                total_sku="377",
                rating="4,8",
            ),
        ],
        bom=True,
    )
    assert data.startswith(BOM)
    path = write_file(tmp_path / "blibli.csv", data)
    rows = read_source_file(path, FORMATS["BLIBLI"]).rows
    assert list(rows["merchant_code"]) == ["BAS-60012"]
    assert rows.loc[0, "rating"] == "4,8"
    assert rows.loc[0, "address"] == "Perum Villa Mutiara, Kec. Neglasari"
    assert rows.loc[0, "join_date"] == "20-09-2025"


@pytest.mark.parametrize("bom", [True, False])
def test_bbi_with_and_without_bom_read_the_same(tmp_path, bom):
    data = format_bytes(
        "BBI",
        [
            row_of(
                "BBI",
                platform="Zalora",
                id_penjual="ZLR589816",
                nama_toko="Toko Berkah",
                nama_pemilik="Siti",
                jumlah_produk="1,2rb",
                tanggal_bergabung="Maret 2021",
                provinsi="Banten",
            ),
        ],
        bom=bom,
    )
    path = write_file(tmp_path / "bbi.csv", data)
    rows = read_source_file(path, FORMATS["BBI"]).rows
    assert list(rows["platform"]) == ["Zalora"]
    assert list(rows["id_penjual"]) == ["ZLR589816"]
    assert rows.loc[0, "jumlah_produk"] == "1,2rb"
    assert rows.loc[0, "tanggal_bergabung"] == "Maret 2021"


def test_utf8_csv_with_invalid_bytes_is_broken(tmp_path):
    data = format_bytes("BBI", [row_of("BBI", id_penjual="X1", nama_toko="Toko QQ")])
    path = write_file(tmp_path / "bbi.csv", data.replace(b"QQ", b"\xff\xfe"))
    with pytest.raises(BrokenFileError, match="UTF-8"):
        read_source_file(path, FORMATS["BBI"])


def test_lazada_seller_id_wider_than_double_stays_exact(tmp_path):
    wide = "171464781962640562"
    beyond_2_53 = str(2**53 + 1)
    rows = [
        [
            Text(wide),
            "Septi",
            "Grosir Sembako Mak Septi",
            Text("09.457.584.6-437.729"),
            Text("+6285719339443"),
            "",
            "",
            "Tangerang",
            "Banten",
            date(2026, 5, 18),
            "Active",
        ],
        [
            Text(beyond_2_53),
            "Budi",
            "Budi Store",
            Text("9120301234567"),
            "",
            "",
            "",
            "Kota Serang",
            "Banten",
            date(2020, 1, 2),
            "Suspended",
        ],
    ]
    path = write_lazada_xlsx(tmp_path / "lazada.xlsx", rows)
    table = read_source_file(path, FORMATS["LAZADA"]).rows
    assert list(table["Seller ID"]) == [wide, beyond_2_53]
    assert table.loc[0, "Business Registration No."] == "09.457.584.6-437.729"
    assert table.loc[1, "Business Registration No."] == "9120301234567"
    assert table.loc[0, "Registration Date"].startswith("2026-05-18")
    assert list(table.columns[: len(LAZADA_HEADER)]) == LAZADA_HEADER


def test_lazada_without_sellers_sheet_is_broken(tmp_path):
    path = write_r1_xlsx(tmp_path / "lazada.xlsx", [], data_sheet="Penjual")
    with pytest.raises(BrokenFileError, match="Sellers"):
        read_source_file(path, FORMATS["LAZADA"])
