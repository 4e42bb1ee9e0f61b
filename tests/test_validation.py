"""Validation, quarantine and snapshot selection: small landing trees through
``load_source_snapshot``, checked on accepted records, quarantine reasons and conservation."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from schemas.catalog import SOURCES_BY_KEY
from tests.fixtures_builders import (
    Num,
    Text,
    accepted_by_id,
    assert_conserved,
    format_bytes,
    jsonl_bytes,
    load,
    make_delivery,
    r1_row,
    r2_bytes,
    r2_row,
    r3_bytes,
    rejected_reasons,
    row_of,
    single_delivery_snapshot,
    write_lazada_xlsx,
    write_r1_xlsx,
)
from umkm.ingest.landing import complete_deliveries, incomplete_deliveries
from umkm.ingest.validation import REASONS, duplicate_keys, unusable_records


def _na(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _day(value) -> date:
    return pd.Timestamp(value).date()


# --- R1 -----------------------------------------------------------------------------------

R1_ROWS = [
    r1_row(
        no=1,
        id="LBK-000123",
        nama_usaha="AKTERRING BAROKAH",
        nama_pemilik="WATI",
        nik=Text("3.602044E+15"),
        jk="P",
        kecamatan="Cikulur",
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
        kecamatan="Kec. Malingping",
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
        hp="(0252) 201234",
        omzet="Rp 150.000.000",
    ),
    r1_row(
        no=4,
        id="LBK-000126",
        nama_usaha="Kedai Sinar",
        nama_pemilik="Halim",
        hp=Text("0812 3456 7890"),
        omzet="1,5 M",
        tanggal=date(2019, 1, 31),
    ),
    r1_row(
        no=5,
        id="LBK-000127",
        nama_usaha="",
        nama_pemilik="",
        jk="L",
        alamat="Kp. Kosong RT 01/02",
        hp="081200000001",
        omzet=Num(5000000),
    ),
    r1_row(no=6, id="LBK-000128", nama_usaha="-", nama_pemilik="N/A", alamat="Jl. Entah"),
    r1_row(no=7, id="LBK-000129", nama_usaha="Warung Nasi Bu Ela", nama_pemilik="Ela", omzet=""),
    r1_row(no=8, id="LBK-000124", nama_usaha="KELONTONG MAS TASNIM 2", nama_pemilik="TASNIM"),
    r1_row(no=9, id="lbk 130", nama_usaha="Toko Salah Kunci", nama_pemilik="Ujang"),
    r1_row(
        no=10, id="LBK-000131", nama_usaha="Toko Salah Kelamin", nama_pemilik="Asep", jk="Laki-laki"
    ),
]


@pytest.fixture(scope="module")
def r1_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("r1")
    return single_delivery_snapshot(
        root, "registry_3602", writer=lambda p: write_r1_xlsx(p, R1_ROWS)
    )


def test_r1_conservation_and_quarantine(r1_snapshot):
    assert_conserved(r1_snapshot, rows_in_file=10)
    assert rejected_reasons(r1_snapshot) == {
        "LBK-000127": "no_usable_name",
        "LBK-000128": "no_usable_name",
        "LBK-000124": "duplicate_key",
        "lbk 130": "malformed",
        "LBK-000131": "malformed",
    }
    dup = r1_snapshot.rejected[r1_snapshot.rejected["reason"] == "duplicate_key"]
    assert list(dup["row_number"]) == [8]
    assert set(accepted_by_id(r1_snapshot)) == {
        "LBK-000123",
        "LBK-000124",
        "LBK-000125",
        "LBK-000126",
        "LBK-000129",
    }
    assert r1_snapshot.snapshot_date == date(2026, 11, 24)
    assert set(r1_snapshot.accepted["source"]) == {"registry_3602"}


def test_r1_nik_scientific_text_is_invalid_with_issue_never_a_wrong_nik(r1_snapshot):
    rec = accepted_by_id(r1_snapshot)["LBK-000123"]
    assert _na(rec["nik"])
    assert isinstance(rec["nik_issue"], str) and rec["nik_issue"] != ""
    # no accepted record carries a NIK that is a rounded version of 3.602044E+15
    niks = set(r1_snapshot.accepted["nik"].dropna())
    assert not any(n.startswith("3602044000") for n in niks)


def test_r1_nik_number_cell_comes_back_exact(r1_snapshot):
    by_id = accepted_by_id(r1_snapshot)
    assert by_id["LBK-000124"]["nik"] == "3602044507800002"
    assert _na(by_id["LBK-000124"]["nik_issue"])
    assert by_id["LBK-000125"]["nik"] == "3602045506900001"
    assert by_id["LBK-000124"]["nib"] == "9511853934755"


def test_r1_phones(r1_snapshot):
    by_id = accepted_by_id(r1_snapshot)
    # number cell, leading 0 lost
    assert by_id["LBK-000123"]["phone_e164"] == "+6281234567890"
    # two numbers in one cell
    assert by_id["LBK-000124"]["phone_e164"] == "+6281342350333"
    assert by_id["LBK-000124"]["phone_e164_alt"] == "+6289918341494"
    # landline
    assert by_id["LBK-000125"]["phone_e164"] == "+62252201234"
    assert by_id["LBK-000126"]["phone_e164"] == "+6281234567890"
    assert _na(by_id["LBK-000129"]["phone_e164"])
    assert not r1_snapshot.accepted["phone_masked"].any()


def test_r1_turnover(r1_snapshot):
    by_id = accepted_by_id(r1_snapshot)
    assert by_id["LBK-000123"]["turnover_yearly"] == 150_000_000
    assert by_id["LBK-000124"]["turnover_yearly"] == 12_000_000
    assert by_id["LBK-000125"]["turnover_yearly"] == 150_000_000
    assert by_id["LBK-000126"]["turnover_yearly"] == 1_500_000_000
    assert _na(by_id["LBK-000129"]["turnover_yearly"])


def test_r1_registration_dates(r1_snapshot):
    by_id = accepted_by_id(r1_snapshot)
    assert _day(by_id["LBK-000123"]["registered_on"]) == date(2021, 3, 12)  # Excel date
    assert _day(by_id["LBK-000124"]["registered_on"]) == date(2021, 3, 12)  # text, day first
    assert _na(by_id["LBK-000125"]["registered_on"])
    assert _day(by_id["LBK-000126"]["registered_on"]) == date(2019, 1, 31)


def test_r1_region_is_the_registry_and_kecamatan_resolved(r1_snapshot):
    by_id = accepted_by_id(r1_snapshot)
    assert set(r1_snapshot.accepted["kab_code"]) == {"3602"}
    assert set(r1_snapshot.accepted["region_scope"]) == {"banten"}
    assert by_id["LBK-000123"]["kecamatan_code"] == "360217"  # Cikulur
    assert by_id["LBK-000124"]["kecamatan_code"] == "360201"  # 'Kec. Malingping'


def test_r1_names(r1_snapshot):
    by_id = accepted_by_id(r1_snapshot)
    assert by_id["LBK-000125"]["business_name_norm"] == "taylor bu nur"
    assert by_id["LBK-000124"]["owner_name_norm"] == "tasnim"
    assert by_id["LBK-000124"]["business_name"] == "Kelontong Mas Tasnim"


# --- R2 -----------------------------------------------------------------------------------


def _r2_rows():
    ragged = ";".join(
        r2_row(
            id_umkm="36030000003",
            nama_usaha="Toko Ragged",
            nama_pemilik="Budi",
            alamat="Jl. Melati; Blok B",
            status="AKTIF",
        )
    )
    return [
        r2_row(
            id_umkm="36030000001",
            nama_usaha="Kedai Café Bu Nur",
            nama_pemilik="Nur’aini",
            nik="3603204507800002",
            alamat="Jl. Raya Serang\r\nBlok C2",
            kecamatan="Legok",
            kode_pos="15820",
            telepon="0857-1122-3344",
            kbli="56303",
            omzet_bulanan="1.500.000,00",
            tanggal_daftar="12/03/2021",
            status="AKTIF",
        ),
        ragged,
        r2_row(
            id_umkm="36030000002",
            nama_usaha="Warung Sukses",
            nama_pemilik="Suwarni",
            kecamatan="Sindang Jaya",
            kbli="01462",
            omzet_bulanan="2.175.000,50",
            tanggal_daftar="03/07/2026",
            status="TUTUP",
        ),
        r2_row(
            id_umkm="36030000001",
            nama_usaha="Kedai Sinar (dobel)",
            nama_pemilik="Halim",
            status="AKTIF",
        ),
        r2_row(
            id_umkm="36030000004",
            nama_usaha="Toko QQ Jaya",
            nama_pemilik="Ani",
            status="TIDAK AKTIF",
        ),
        r2_row(id_umkm="36030000005", nama_usaha="-", nama_pemilik="N/A", status="AKTIF"),
        r2_row(id_umkm="36030000006", nama_usaha="", nama_pemilik="", status="AKTIF"),
        r2_row(
            id_umkm="36030000007",
            nama_usaha="Toko Salah Status",
            nama_pemilik="Rudi",
            status="BUKA",
        ),
    ]


@pytest.fixture(scope="module")
def r2_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("r2")
    data = r2_bytes(_r2_rows()).replace(b"QQ", b"\x81\x9d")
    return single_delivery_snapshot(root, "registry_3603", data)


def test_r2_quarantine_reasons(r2_snapshot):
    assert_conserved(r2_snapshot, rows_in_file=8)
    rejected = r2_snapshot.rejected
    reasons = sorted(zip(rejected["source_record_id"], rejected["reason"]))
    assert reasons == sorted(
        [
            ("36030000003", "malformed"),
            ("36030000001", "duplicate_key"),
            ("36030000005", "no_usable_name"),
            ("36030000006", "no_usable_name"),
            ("36030000007", "malformed"),
        ]
    )
    assert set(accepted_by_id(r2_snapshot)) == {"36030000001", "36030000002", "36030000004"}


def test_r2_duplicate_key_keeps_the_first_record(r2_snapshot):
    first = accepted_by_id(r2_snapshot)["36030000001"]
    assert first["business_name"] == "Kedai Café Bu Nur"
    dup = r2_snapshot.rejected[r2_snapshot.rejected["reason"] == "duplicate_key"].iloc[0]
    assert dup["row_number"] == 4
    assert "36030000001" in dup["details"]


def test_r2_ragged_row_quarantine_keeps_row_number_and_raw_record(r2_snapshot):
    bad = r2_snapshot.rejected[r2_snapshot.rejected["source_record_id"] == "36030000003"].iloc[0]
    assert bad["row_number"] == 2
    assert "18" in bad["details"]
    assert "Toko Ragged" in bad["raw_record"]
    assert bad["source_file"].endswith("umkm_3603_kab_tangerang.csv")


def test_r2_values(r2_snapshot):
    by_id = accepted_by_id(r2_snapshot)
    first = by_id["36030000001"]
    assert first["owner_name"] == "Nur’aini"
    assert first["address"] == "Jl. Raya Serang Blok C2"
    assert first["turnover_yearly"] == 18_000_000  # 1.500.000,00 a month
    assert by_id["36030000002"]["turnover_yearly"] == pytest.approx(26_100_006)
    assert _day(first["registered_on"]) == date(2021, 3, 12)
    assert _day(by_id["36030000002"]["registered_on"]) == date(2026, 7, 3)
    assert first["nik"] == "3603204507800002"
    assert first["phone_e164"] == "+6285711223344"
    assert first["kbli"] == "56303"
    assert by_id["36030000002"]["kbli"] == "01462"  # leading zero kept
    assert first["kab_code"] == "3603"
    assert first["kecamatan_code"] == "360320"  # Legok
    assert by_id["36030000002"]["kecamatan_code"] == "360329"  # Sindang Jaya
    assert bool(first["is_active"]) is True
    assert bool(by_id["36030000002"]["is_active"]) is False  # TUTUP is still a record
    assert bool(by_id["36030000004"]["is_active"]) is False


def test_r2_bad_bytes_warning_reaches_the_snapshot(r2_snapshot):
    assert len(r2_snapshot.warnings) == 1
    assert "cp1252" in r2_snapshot.warnings[0]
    name = accepted_by_id(r2_snapshot)["36030000004"]["business_name"]
    assert name.startswith("Toko") and name.endswith("Jaya")


# --- R3 -----------------------------------------------------------------------------------

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
        "usaha": {"nama": "Bengkel Las Jaya"},
        "pemilik": {"nama": None, "hp": ["081234567890", "0857-1122-3344"]},
        "lokasi": {"kecamatan": "Citangkil"},
    },
    {"id": 4414, "usaha": {"nama": None}, "pemilik": {"nama": "-"}},
    {"usaha": {"nama": "Tanpa Id"}, "pemilik": {"nama": "Budi"}},
]


@pytest.fixture(scope="module")
def r3_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("r3")
    return single_delivery_snapshot(root, "registry_3672", r3_bytes(R3_RECORDS))


def test_r3_records(r3_snapshot):
    assert_conserved(r3_snapshot, rows_in_file=5)
    assert rejected_reasons(r3_snapshot) == {"4414": "no_usable_name", "row 5": "malformed"}
    by_id = accepted_by_id(r3_snapshot)
    assert set(by_id) == {"4411", "4412", "4413"}
    first = by_id["4411"]
    assert first["business_name"] == "Kripik Emping Bu Nur"
    assert first["owner_name"] == "Nurhayati"
    assert first["nik"] == "3672054507800002"
    assert first["nib"] == "9120301234567"
    assert first["kbli"] == "10794"
    assert first["phone_e164"] == "+6281298765432"
    assert first["turnover_yearly"] == 120_000_000
    assert _day(first["registered_on"]) == date(2021, 3, 4)
    assert first["kab_code"] == "3672"
    assert first["kecamatan_code"] == "367201"  # Cibeber of Kota Cilegon, not Lebak's
    assert first["postal_code"] == "42426"


def test_r3_nulls_missing_keys_and_phone_lists(r3_snapshot):
    by_id = accepted_by_id(r3_snapshot)
    second, third = by_id["4412"], by_id["4413"]
    assert _na(second["business_name"]) and second["owner_name"] == "Ahmad Fauzi"
    assert _na(second["phone_e164"]) and _na(second["nik"]) and _na(second["registered_on"])
    assert _na(second["turnover_yearly"])
    assert third["phone_e164"] == "+6281234567890"
    assert third["phone_e164_alt"] == "+6285711223344"
    assert third["kecamatan_code"] == "367208"  # Citangkil
    assert _na(third["owner_name"])


# --- JSON lines ---------------------------------------------------------------------------

STORE = {
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


@pytest.fixture(scope="module")
def jsonl_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("jsonl")
    closed = dict(
        STORE, store_id=881235, store_name="Laundry Jaya", username="laundry_jaya", closed=True
    )
    bandung = dict(
        STORE,
        store_id=881236,
        store_name="Batik Bandung",
        address={
            "street": "Jl. Dago 1",
            "district": "Coblong",
            "city": "Kota Bandung",
            "province": "Jawa Barat",
            "postal_code": "40135",
        },
    )
    cut_with_key = json.dumps(dict(STORE, store_id=555))[:80]
    cut_before_key = '{"stor'
    lines = [STORE, cut_with_key, closed, cut_before_key, bandung]
    return single_delivery_snapshot(root, "bukalapak", jsonl_bytes(lines))


def test_jsonl_broken_lines_are_malformed_others_accepted(jsonl_snapshot):
    assert_conserved(jsonl_snapshot, rows_in_file=5)
    rejected = jsonl_snapshot.rejected.sort_values("row_number")
    assert list(rejected["reason"]) == ["malformed", "malformed", "out_of_scope"]
    assert list(rejected["row_number"]) == [2, 4, 5]
    assert rejected.iloc[0]["source_record_id"] == "555"
    assert _na(rejected.iloc[1]["source_record_id"])
    assert rejected.iloc[2]["source_record_id"] == "881236"
    assert set(accepted_by_id(jsonl_snapshot)) == {"881234", "881235"}


def test_jsonl_values(jsonl_snapshot):
    by_id = accepted_by_id(jsonl_snapshot)
    rec = by_id["881234"]
    assert rec["business_name"] == "Dapur Teh Rina"
    assert rec["owner_name"] == "Rina Marlina"
    assert rec["phone_e164"] == "+6285711223344"
    assert rec["kab_code"] == "3603"
    assert rec["kecamatan_code"] == "360312"  # Pasar Kemis
    assert rec["product_count"] == 37
    assert _day(rec["registered_on"]) == date(2018, 7, 2)
    assert rec["platform"] == "Bukalapak"
    assert bool(rec["is_active"]) is True
    assert bool(by_id["881235"]["is_active"]) is False  # closed, still a record


# --- Blibli -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blibli_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("blibli")
    rows = [
        row_of(
            "BLIBLI",
            merchant_code="BAS-60012",
            merchant_name="Golok Teh Yeni",
            pic_name="Bu Yeni",
            pic_phone="628322179071",
            business_type="Individual",
            city="Kota Tangerang",
            address="Perum Villa Mutiara Blok B16, Kec. Neglasari",
            join_date="20-09-2025",
            total_sku="377",
            rating="4,8",
        ),
        row_of(
            "BLIBLI",
            merchant_code="TBN-703020",
            merchant_name="Taylor Bu Nur Official",
            pic_name="Nur Yulianti",
            business_type="Company",
            npwp="09.457.584.6-437.729",
            city="Kabupaten Lebak",
            join_date="27-08-2020",
            total_sku="1,2rb",
            rating="",
        ),
        row_of(
            "BLIBLI",
            merchant_code="BDG-1",
            merchant_name="Batik Priangan",
            pic_name="Asep",
            business_type="Individual",
            city="Kota Bandung",
            join_date="01-01-2020",
            total_sku="5",
            rating="4,0",
        ),
    ]
    return single_delivery_snapshot(root, "blibli", format_bytes("BLIBLI", rows, bom=True))


def test_blibli_bom_csv(blibli_snapshot):
    assert_conserved(blibli_snapshot, rows_in_file=3)
    assert rejected_reasons(blibli_snapshot) == {"BDG-1": "out_of_scope"}
    by_id = accepted_by_id(blibli_snapshot)
    assert set(by_id) == {"BAS-60012", "TBN-703020"}
    yeni = by_id["BAS-60012"]
    assert _day(yeni["registered_on"]) == date(2025, 9, 20)  # DD-MM-YYYY
    assert yeni["kab_code"] == "3671"
    assert yeni["phone_e164"] == "+628322179071"
    assert yeni["product_count"] == 377
    assert yeni["owner_name_norm"] == "yeni"
    assert _na(yeni["npwp"])
    nur = by_id["TBN-703020"]
    assert nur["npwp"] == "094575846437729"
    assert nur["kab_code"] == "3602"
    assert nur["product_count"] == 1200
    assert nur["business_name_norm"] == "taylor bu nur"
    assert _day(nur["registered_on"]) == date(2020, 8, 27)


# --- BBI ----------------------------------------------------------------------------------


def _bbi_rows(platform: str):
    return [
        row_of(
            "BBI",
            platform=platform,
            id_penjual="P-1",
            nama_toko="Toko Berkah",
            nama_pemilik="Siti",
            no_hp="+62 812-3456-7890",
            kecamatan="Kramatwatu",
            kota_kabupaten="Kab. Serang",
            provinsi="Banten",
            tanggal_bergabung="Maret 2021",
            jumlah_produk="1,2rb",
        ),
        row_of(
            "BBI",
            platform=platform,
            id_penjual="P-2",
            nama_toko="Sepatu Jaksel",
            nama_pemilik="Dodi",
            kota_kabupaten="Jakarta Selatan",
            provinsi="DKI Jakarta",
            tanggal_bergabung="2021-03-04",
            jumlah_produk="10",
        ),
        row_of(
            "BBI",
            platform=platform,
            id_penjual="P-3",
            nama_toko="-",
            nama_pemilik="N/A",
            kota_kabupaten="Kota Serang",
            provinsi="Banten",
        ),
        row_of(
            "BBI",
            platform=platform,
            id_penjual="P-4",
            nama_toko="Kedai Kopi Tangsel",
            nama_pemilik="",
            no_hp="0812****7890",
            kecamatan="Pamulang",
            kota_kabupaten="Tangsel",
            provinsi="BANTEN",
            kode_pos="15417",
            tanggal_bergabung="04/03/2021",
            jumlah_produk="120",
        ),
        row_of(
            "BBI",
            platform=platform,
            id_penjual="6942587549569515341",
            nama_toko="Anyaman Sakinah",
            nama_pemilik="Farhunnisa",
            kota_kabupaten="Pandeglang",
            provinsi="Banten",
            tanggal_bergabung="Desember 2020",
            jumlah_produk="",
        ),
    ]


@pytest.fixture(scope="module")
def bbi_snapshots(tmp_path_factory):
    root = tmp_path_factory.mktemp("bbi")
    files = {
        SOURCES_BY_KEY["zalora"].path: format_bytes("BBI", _bbi_rows("Zalora"), bom=True),
        SOURCES_BY_KEY["orami"].path: format_bytes("BBI", _bbi_rows("Orami"), bom=False),
    }
    make_delivery(root, "2026-11-24", files)
    return {"zalora": load(root, "zalora"), "orami": load(root, "orami")}


@pytest.mark.parametrize("source", ["zalora", "orami"])
def test_bbi_with_and_without_bom(bbi_snapshots, source):
    snap = bbi_snapshots[source]
    assert_conserved(snap, rows_in_file=5)
    assert rejected_reasons(snap) == {"P-2": "out_of_scope", "P-3": "no_usable_name"}
    by_id = accepted_by_id(snap)
    assert set(by_id) == {"P-1", "P-4", "6942587549569515341"}  # long ids stay exact
    berkah = by_id["P-1"]
    assert _day(berkah["registered_on"]) == date(2021, 3, 1)  # 'Maret 2021'
    assert berkah["product_count"] == 1200  # '1,2rb'
    assert berkah["kab_code"] == "3604"
    assert berkah["kecamatan_code"] == "360405"  # Kramatwatu
    assert berkah["phone_e164"] == "+6281234567890"
    assert berkah["business_name_norm"] == "berkah"
    tangsel = by_id["P-4"]
    assert _day(tangsel["registered_on"]) == date(2021, 3, 4)  # day first
    assert tangsel["product_count"] == 120
    assert tangsel["kab_code"] == "3674"
    assert tangsel["kecamatan_code"] == "367406"
    assert _na(tangsel["phone_e164"]) and bool(tangsel["phone_masked"]) is True
    sakinah = by_id["6942587549569515341"]
    assert sakinah["kab_code"] == "3601"
    assert _day(sakinah["registered_on"]) == date(2020, 12, 1)
    assert _na(sakinah["product_count"])


def test_bbi_out_of_scope_details_name_the_location(bbi_snapshots):
    rejected = bbi_snapshots["zalora"].rejected
    detail = rejected.loc[rejected["reason"] == "out_of_scope", "details"].iloc[0]
    assert "dki jakarta" in detail.lower()
    # personal data stays out of the details
    assert "Dodi" not in detail


def test_bbi_bom_makes_no_difference(bbi_snapshots):
    a = bbi_snapshots["zalora"].accepted.drop(columns=["source", "platform"])
    b = bbi_snapshots["orami"].accepted.drop(columns=["source", "platform"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


# --- Shopee -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shopee_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("shopee")
    rows = [
        row_of(
            "SHOPEE",
            shopid="1",
            userid="11",
            username="sembakokhasbandung",
            shop_name="SEMBAKO KHAS BANDUNG",
            phone="62882431941747",
            shop_location="KAB. BANDUNG - PASIRJAMBU",
            ctime="1766761630",
        ),
        row_of(
            "SHOPEE",
            shopid="2",
            userid="12",
            username="laundryjaya",
            shop_name="Laundry Jaya Official Shop",
            phone="6281391878386",
            shop_location="KOTA SERANG - CIPOCOK JAYA",
            ctime="1623847099",
        ),
        row_of(
            "SHOPEE",
            shopid="3",
            userid="13",
            username="lelecipu",
            shop_name="Lele Ciputat",
            phone="",
            shop_location="Tangerang Selatan",
            ctime="1474160633",
            item_count="476",
        ),
        row_of(
            "SHOPEE",
            shopid="4",
            userid="14",
            username="kelontong",
            shop_name="Kelontong Mandiri Indah",
            phone="6285359065389",
            shop_location="KAB. TANGERANG",
            ctime="1791944970",
        ),
        row_of(
            "SHOPEE",
            shopid="5",
            userid="15",
            username="x",
            shop_name="N/A",
            seller_name="",
            shop_location="KAB. TANGERANG",
            ctime="1791944970",
        ),
    ]
    return single_delivery_snapshot(root, "shopee", format_bytes("SHOPEE", rows))


def test_shopee_regions(shopee_snapshot):
    assert_conserved(shopee_snapshot, rows_in_file=5)
    assert rejected_reasons(shopee_snapshot) == {"1": "out_of_scope", "5": "no_usable_name"}
    by_id = accepted_by_id(shopee_snapshot)
    assert by_id["2"]["kab_code"] == "3673"
    assert by_id["2"]["kecamatan_code"] == "367305"  # Cipocok Jaya
    assert by_id["3"]["kab_code"] == "3674"
    assert by_id["4"]["kab_code"] == "3603"
    assert _na(by_id["4"]["kecamatan_code"])


def test_shopee_values(shopee_snapshot):
    by_id = accepted_by_id(shopee_snapshot)
    laundry = by_id["2"]
    assert laundry["phone_e164"] == "+6281391878386"
    assert _day(laundry["registered_on"]) == date(2021, 6, 16)  # Unix seconds, Jakarta day
    assert laundry["business_name_norm"] == "laundry jaya"
    assert laundry["shop_slug"] == "laundryjaya"
    assert by_id["3"]["product_count"] == 476


# --- Tokopedia ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokopedia_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("tokopedia")

    def shop(shop_id, name, city, district="", postal="", active="true", **kw):
        return row_of(
            "TOKOPEDIA",
            shop_id=shop_id,
            shop_domain=f"shop{shop_id}",
            shop_name=name,
            city=city,
            district=district,
            postal_code=postal,
            joined_at="2021-06-11T09:53:13+07:00",
            products="12",
            merchant_tier="regular",
            is_active=active,
            **kw,
        )

    rows = [
        shop("101", "Warung Sukses", "Tangerang", district="Sindang Jaya"),
        shop("102", "Pulsa Mpok Cindy", "Tangerang", postal="15138"),
        shop("103", "Toko Entah", "Tangerang"),
        shop("104", "Bakso Ciledug", "Tangerang", district="Ciledug"),
        shop("105", "Batik Dago", "Kota Bandung", district="Coblong", postal="40135"),
        shop("106", "Kedai Sinar", "Kab. Tangerang", district="Legok", active="false"),
        shop("107", "N/A", "Kota Tangerang", owner_name="-"),
        shop(
            "108",
            "Lele Ciputat Timur",
            "Kota Tangerang Selatan",
            district="Ciputat Timur",
            postal="15419",
            rating="4.9",
        ),
        shop("109", "Toko Tanpa Kota", "", postal="40135"),  # a Bandung postal code
        shop("110", "Toko Pamulang", "", district="Pamulang"),
        shop("111", "Toko Bogor", "Bogor"),  # kab and kota Bogor: both Jawa Barat
    ]
    return single_delivery_snapshot(root, "tokopedia", format_bytes("TOKOPEDIA", rows))


def test_tokopedia_quarantine(tokopedia_snapshot):
    assert_conserved(tokopedia_snapshot, rows_in_file=11)
    assert rejected_reasons(tokopedia_snapshot) == {
        "105": "out_of_scope",
        "107": "no_usable_name",
        "109": "out_of_scope",
        "111": "out_of_scope",
    }


def test_tokopedia_bare_tangerang_resolved_through_kecamatan_or_postal_code(tokopedia_snapshot):
    by_id = accepted_by_id(tokopedia_snapshot)
    assert by_id["101"]["kab_code"] == "3603"  # via kecamatan Sindang Jaya
    assert by_id["101"]["kecamatan_code"] == "360329"
    assert by_id["102"]["kab_code"] == "3671"  # via postal code 15138
    assert by_id["104"]["kab_code"] == "3671"  # via kecamatan Ciledug
    assert by_id["104"]["kecamatan_code"] == "367106"
    assert by_id["106"]["kab_code"] == "3603"
    assert by_id["108"]["kab_code"] == "3674"
    assert by_id["110"]["kab_code"] == "3674"  # no city: the kecamatan alone
    assert by_id["110"]["kecamatan_code"] == "367406"


def test_tokopedia_bare_tangerang_without_evidence_has_unknown_kab(tokopedia_snapshot):
    rec = accepted_by_id(tokopedia_snapshot)["103"]
    assert _na(rec["kab_code"])
    assert _na(rec["kab_name"])
    assert rec["region_scope"] == "banten"  # either Tangerang lies in Banten


def test_tokopedia_values(tokopedia_snapshot):
    by_id = accepted_by_id(tokopedia_snapshot)
    assert _day(by_id["101"]["registered_on"]) == date(2021, 6, 11)
    assert bool(by_id["101"]["is_active"]) is True
    assert bool(by_id["106"]["is_active"]) is False
    assert by_id["101"]["product_count"] == 12
    assert by_id["101"]["shop_slug"] == "shop101"


# --- Lazada -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lazada_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("lazada")
    rows = [
        [
            Text("171464781962640562"),
            "Septi Rahayu, A.md",
            "Grosir Sembako Mak Septi",
            Text("09.457.584.6-437.729"),
            Text("+6285719339443"),
            "septi.rahayu93@gmail.com",
            "Perum Mustika Tigaraksa",
            "Kab. Tangerang",
            "Banten",
            date(2026, 5, 18),
            "Active",
        ],
        [
            Text("1941813235"),
            "mustofa",
            "Skincare Abah Mustofa ID",
            Text("9120301234567"),
            Text("089850574897"),
            "",
            "Jl. Kisamaun no. 51, Citangkil",
            "Kota Cilegon",
            "Banten",
            date(2021, 9, 3),
            "Active",
        ],
        [
            Text("1454274067"),
            "",
            "Feozen Food Bu Haluma",
            Text("3672080403840362"),
            "",
            "",
            "",
            "Tangerang",
            "Banten",
            date(2026, 6, 21),
            "Suspended",
        ],
        [
            Text("627699277"),
            "tri",
            "GROSIR SEMBAKO INDAH BARU",
            Text("3174091303630723"),
            Text("+628959543435"),
            "",
            "",
            "Kota Jakarta Selatan",
            "DKI Jakarta",
            date(2018, 5, 8),
            "Active",
        ],
        [
            Text(str(2**53 + 1)),
            "Budi",
            "Budi Store",
            "",
            "",
            "",
            "",
            "Kota Serang",
            "Banten",
            date(2020, 1, 2),
            "Inactive",
        ],
    ]
    return single_delivery_snapshot(root, "lazada", writer=lambda p: write_lazada_xlsx(p, rows))


def test_lazada_seller_ids_stay_exact(lazada_snapshot):
    assert_conserved(lazada_snapshot, rows_in_file=5)
    assert rejected_reasons(lazada_snapshot) == {"627699277": "out_of_scope"}
    assert set(accepted_by_id(lazada_snapshot)) == {
        "171464781962640562",
        "1941813235",
        "1454274067",
        str(2**53 + 1),
    }


def test_lazada_nib_and_npwp_told_apart_by_length(lazada_snapshot):
    by_id = accepted_by_id(lazada_snapshot)
    assert by_id["171464781962640562"]["npwp"] == "094575846437729"
    assert _na(by_id["171464781962640562"]["nib"])
    assert by_id["1941813235"]["nib"] == "9120301234567"
    assert _na(by_id["1941813235"]["npwp"])
    assert by_id["1454274067"]["npwp"] == "3672080403840362"
    assert _na(by_id["1454274067"]["nib"])
    assert _na(by_id[str(2**53 + 1)]["nib"]) and _na(by_id[str(2**53 + 1)]["npwp"])


def test_lazada_values(lazada_snapshot):
    by_id = accepted_by_id(lazada_snapshot)
    septi = by_id["171464781962640562"]
    assert septi["owner_name_norm"] == "septi rahayu"
    assert septi["email"] == "septi.rahayu93@gmail.com"
    assert septi["kab_code"] == "3603"
    assert _day(septi["registered_on"]) == date(2026, 5, 18)
    assert by_id["1941813235"]["kab_code"] == "3672"
    assert by_id["1941813235"]["phone_e164"] == "+6289850574897"
    assert bool(by_id["1454274067"]["is_active"]) is False  # Suspended
    assert bool(by_id[str(2**53 + 1)]["is_active"]) is False  # Inactive
    assert by_id[str(2**53 + 1)]["kab_code"] == "3673"


# --- OSS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oss_snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("oss")
    rows = [
        row_of(
            "OSS",
            nib="9511853934755",
            nama_pelaku_usaha="TASNIM SUSANTO",
            jenis_pelaku_usaha="Orang Perseorangan",
            nama_usaha="",
            alamat_usaha="KP. KRAMAT WETAN RT 009 RW 009, KEC. MALINGPING",
            kode_wilayah="36.02.01.2019",
            kode_pos="42391",
            kbli="47111|46900",
            skala_usaha="Usaha Mikro",
            tanggal_terbit="2018-11-10",
            telepon="+6281342350333",
        ),
        row_of(
            "OSS",
            nib="9847047135545",
            nama_pelaku_usaha="GADANG GUNARTO, S.SOS",
            jenis_pelaku_usaha="Orang Perseorangan",
            nama_usaha="CATERING ZAHRA",
            kode_wilayah="3674021004",
            kode_pos="15326",
            kbli="56210",
            skala_usaha="Usaha Kecil",
            tanggal_terbit="2024-08-25",
            email="Gadang.Gunarto90@yahoo.co.id",
        ),
        row_of(
            "OSS", nib="951185393475", nama_pelaku_usaha="NIB PENDEK", kode_wilayah="3602012019"
        ),
        row_of(
            "OSS",
            nib="9511853934755",
            nama_pelaku_usaha="TASNIM SUSANTO",
            kode_wilayah="3602012019",
        ),
        row_of(
            "OSS",
            nib="9000000000001",
            nama_pelaku_usaha="PT MAJU BANDUNG",
            jenis_pelaku_usaha="PT",
            nama_usaha="PT Maju Bandung",
            kode_wilayah="32.04.01.2001",
        ),
    ]
    return single_delivery_snapshot(root, "oss", format_bytes("OSS", rows, quote_all=True))


def test_oss_records(oss_snapshot):
    assert_conserved(oss_snapshot, rows_in_file=5)
    rejected = oss_snapshot.rejected.sort_values("row_number")
    assert list(rejected["reason"]) == ["malformed", "duplicate_key", "out_of_scope"]
    assert list(rejected["row_number"]) == [3, 4, 5]
    by_id = accepted_by_id(oss_snapshot)
    assert set(by_id) == {"9511853934755", "9847047135545"}
    tasnim = by_id["9511853934755"]
    assert _na(tasnim["business_name"])  # Orang Perseorangan: the owner is the name
    assert tasnim["owner_name"] == "TASNIM SUSANTO"
    assert tasnim["nib"] == "9511853934755"
    assert tasnim["kab_code"] == "3602"  # dotted village code
    assert tasnim["kbli"] == "47111"
    assert tasnim["legal_form"] == "Orang Perseorangan"
    assert tasnim["size_class"] == "Usaha Mikro"
    assert _day(tasnim["registered_on"]) == date(2018, 11, 10)
    assert tasnim["phone_e164"] == "+6281342350333"
    gadang = by_id["9847047135545"]
    assert gadang["kab_code"] == "3674"  # bare village code
    assert gadang["owner_name_norm"] == "gadang gunarto"
    assert gadang["business_name_norm"] == "catering zahra"
    assert gadang["email"] == "gadang.gunarto90@yahoo.co.id"


def test_jsonl_line_cut_inside_the_store_id_does_not_invent_a_key(tmp_path):
    lines = [STORE, '{"store_id": 8812']  # the real id was longer; the line ends mid-number
    snap = single_delivery_snapshot(tmp_path, "bukalapak", jsonl_bytes(lines))
    assert_conserved(snap, rows_in_file=2)
    bad = snap.rejected.iloc[0]
    assert bad["reason"] == "malformed"
    assert _na(bad["source_record_id"]), bad["source_record_id"]


# --- one bad value must not sink the whole snapshot ----------------------------------------


def test_oss_unknown_village_code_does_not_break_the_snapshot(tmp_path):
    rows = [
        row_of(
            "OSS",
            nib="9511853934755",
            nama_pelaku_usaha="TASNIM SUSANTO",
            kode_wilayah="36.02.01.2019",
        ),
        # '36.09' is no kabupaten/kota of Banten (a typo in the village code)
        row_of(
            "OSS",
            nib="9847047135545",
            nama_pelaku_usaha="GADANG GUNARTO",
            kode_wilayah="36.09.01.2001",
        ),
    ]
    snap = single_delivery_snapshot(tmp_path, "oss", format_bytes("OSS", rows, quote_all=True))
    assert_conserved(snap, rows_in_file=2)
    assert accepted_by_id(snap)["9511853934755"]["kab_code"] == "3602"
    accepted = accepted_by_id(snap)
    if "9847047135545" in accepted:
        assert _na(accepted["9847047135545"]["kab_code"])


def test_bbi_date_with_a_year_typo_does_not_break_the_snapshot(tmp_path):
    rows = [
        row_of(
            "BBI",
            platform="Zalora",
            id_penjual="Z-1",
            nama_toko="Toko Berkah",
            kota_kabupaten="Kota Serang",
            provinsi="Banten",
            tanggal_bergabung="12/03/2921",
        ),
        row_of(
            "BBI",
            platform="Zalora",
            id_penjual="Z-2",
            nama_toko="Toko Barokah",
            kota_kabupaten="Kota Serang",
            provinsi="Banten",
            tanggal_bergabung="12/03/2021",
        ),
    ]
    snap = single_delivery_snapshot(tmp_path, "zalora", format_bytes("BBI", rows))
    assert_conserved(snap, rows_in_file=2)
    by_id = accepted_by_id(snap)
    assert set(by_id) == {"Z-1", "Z-2"}
    assert _na(by_id["Z-1"]["registered_on"])
    assert _day(by_id["Z-2"]["registered_on"]) == date(2021, 3, 12)


# --- snapshot selection -------------------------------------------------------------------


def _zalora(*ids: str) -> bytes:
    return format_bytes(
        "BBI",
        [
            row_of(
                "BBI",
                platform="Zalora",
                id_penjual=i,
                nama_toko=f"Toko {i}",
                nama_pemilik="Siti",
                kota_kabupaten="Kota Serang",
                provinsi="Banten",
            )
            for i in ids
        ],
        bom=True,
    )


def test_newest_complete_delivery_wins_and_incomplete_is_ignored(tmp_path):
    path = SOURCES_BY_KEY["zalora"].path
    make_delivery(tmp_path, "2026-11-20", {path: _zalora("A1", "A2")})
    make_delivery(tmp_path, "2026-11-24", {path: _zalora("B1", "B2", "B3")})
    make_delivery(tmp_path, "2026-11-25", {path: _zalora("C1")}, complete=False)
    make_delivery(tmp_path, "2026-11-22", {})  # complete, but without this source
    (tmp_path / "not-a-delivery").mkdir()
    assert [d.delivered_on for d in complete_deliveries(tmp_path)] == [
        date(2026, 11, 24),
        date(2026, 11, 22),
        date(2026, 11, 20),
    ]
    assert incomplete_deliveries(tmp_path) == ["2026-11-25"]
    snap = load(tmp_path, "zalora")
    assert_conserved(snap, rows_in_file=3)
    assert snap.snapshot_date == date(2026, 11, 24)
    assert "2026-11-24" in snap.source_file
    assert set(accepted_by_id(snap)) == {"B1", "B2", "B3"}
    assert list(snap.deliveries["status"]) == ["current"]
    assert (pd.to_datetime(snap.accepted["snapshot_date"]).dt.date == date(2026, 11, 24)).all()


def test_source_missing_from_newest_delivery_uses_its_latest_file(tmp_path):
    path = SOURCES_BY_KEY["zalora"].path
    make_delivery(tmp_path, "2026-11-20", {path: _zalora("A1")})
    make_delivery(tmp_path, "2026-11-24", {SOURCES_BY_KEY["orami"].path: _zalora("X")})
    snap = load(tmp_path, "zalora")
    assert_conserved(snap, rows_in_file=1)
    assert snap.snapshot_date == date(2026, 11, 20)
    assert set(accepted_by_id(snap)) == {"A1"}


def test_broken_newest_file_falls_back_to_last_good_snapshot(tmp_path):
    spec = SOURCES_BY_KEY["registry_3603"]
    good = r2_bytes(
        [
            r2_row(
                id_umkm="36030000001",
                nama_usaha="Kedai Sinar",
                nama_pemilik="Halim",
                status="AKTIF",
            ),
            r2_row(
                id_umkm="36030000002",
                nama_usaha="Warung Sukses",
                nama_pemilik="Suwarni",
                status="AKTIF",
            ),
        ]
    )
    newer = r2_bytes(
        [
            r2_row(
                id_umkm="36030000009", nama_usaha="Toko Baru", nama_pemilik="Baru", status="AKTIF"
            ),
        ]
    )
    truncated = newer[:-15]
    make_delivery(tmp_path, "2026-11-20", {spec.path: good})
    make_delivery(tmp_path, "2026-11-24", {spec.path: truncated})
    snap = load(tmp_path, "registry_3603")
    assert_conserved(snap, rows_in_file=2)
    assert snap.snapshot_date == date(2026, 11, 20)
    assert "2026-11-20" in snap.source_file
    assert set(accepted_by_id(snap)) == {"36030000001", "36030000002"}
    log = snap.deliveries.set_index("status")
    assert set(snap.deliveries["status"]) == {"broken", "current"}
    broken = log.loc["broken"]
    assert _day(broken["delivered_on"]) == date(2026, 11, 24)
    assert "2026-11-24" in broken["source_file"]
    assert "umkm_3603_kab_tangerang.csv" in broken["message"]
    assert _day(log.loc["current", "delivered_on"]) == date(2026, 11, 20)


def test_broken_r3_newest_file_falls_back(tmp_path):
    spec = SOURCES_BY_KEY["registry_3672"]
    make_delivery(tmp_path, "2026-11-20", {spec.path: r3_bytes(R3_RECORDS[:2])})
    make_delivery(tmp_path, "2026-11-24", {spec.path: r3_bytes(R3_RECORDS[:3], count=40)})
    snap = load(tmp_path, "registry_3672")
    assert_conserved(snap, rows_in_file=2)
    assert snap.snapshot_date == date(2026, 11, 20)
    broken = snap.deliveries[snap.deliveries["status"] == "broken"]
    assert len(broken) == 1
    assert "umkm_3672_cilegon.json" in broken.iloc[0]["message"]
    assert "truncat" in broken.iloc[0]["message"]


def test_every_file_broken_gives_no_snapshot(tmp_path):
    spec = SOURCES_BY_KEY["registry_3602"]
    make_delivery(tmp_path, "2026-11-24", {spec.path: b"not an xlsx"})
    snap = load(tmp_path, "registry_3602")
    assert_conserved(snap, rows_in_file=0)
    assert snap.snapshot_date is None and snap.source_file is None
    assert len(snap.accepted) == 0
    assert list(snap.deliveries["status"]) == ["broken", "no_good_snapshot"]
    assert "umkm_3602_lebak.xlsx" in snap.deliveries.iloc[0]["message"]


def test_source_never_delivered_is_missing(tmp_path):
    make_delivery(tmp_path, "2026-11-24", {})
    snap = load(tmp_path, "blanja")
    assert_conserved(snap, rows_in_file=0)
    assert snap.snapshot_date is None
    assert list(snap.deliveries["status"]) == ["missing"]


def test_missing_landing_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        complete_deliveries(tmp_path / "nowhere")


# --- validation functions directly ---------------------------------------------------------


def test_reasons_are_the_four_stable_ones():
    assert set(REASONS) == {"malformed", "duplicate_key", "no_usable_name", "out_of_scope"}


def test_duplicate_keys_keep_first_and_ignore_blank_keys():
    keys = pd.Series(["A", "B", "A", "", "", "B", "A"], index=[10, 11, 12, 13, 14, 15, 16])
    dup = duplicate_keys(keys)
    assert list(dup["row_position"]) == [12, 15, 16]
    assert set(dup["reason"]) == {"duplicate_key"}


def test_unusable_records_no_name_wins_over_out_of_scope():
    records = pd.DataFrame(
        {
            "business_name": ["Toko A", None, None, "Toko D"],
            "owner_name": [None, "Budi", None, None],
            "region_scope": ["banten", "outside", "outside", "unknown"],
            "region_evidence": ["", "province=jawa barat", "province=jawa barat", ""],
        },
        index=[0, 1, 2, 3],
    )
    unusable = unusable_records(records, SOURCES_BY_KEY["tokopedia"])
    assert sorted(zip(unusable["row_position"], unusable["reason"])) == [
        (1, "out_of_scope"),
        (2, "no_usable_name"),
    ]
    # the details name the source's own columns that held no usable name
    details = unusable.set_index("row_position")["details"]
    assert "shop_name" in details[2] and "owner_name" in details[2]
