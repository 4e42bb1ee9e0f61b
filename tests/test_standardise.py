"""Standardisation functions called directly: phones, numbers, dates, NIK / NIB / NPWP, names,
regions."""

from __future__ import annotations

import functools
from datetime import date

import pandas as pd
import phonenumbers
import pytest
from lokal import parse_rupiah

from umkm.standardise import regions
from umkm.standardise.contacts import standardise_email, standardise_phones
from umkm.standardise.identifiers import digits_of_length, first_kbli, standardise_nik
from umkm.standardise.names import (
    display_business_name,
    normalise_business_name,
    normalise_owner_name,
)
from umkm.standardise.numbers_dates import parse_dates, parse_indonesian_number, parse_unix_dates
from umkm.standardise.records import activity
from umkm.standardise.text import blank_placeholders


def _na(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


@functools.cache
def _batch(func, inputs: tuple):
    """``func`` on all the inputs of a parametrized test at once (one vectorised call, as in a
    real snapshot: the cases share one Series)."""
    return func(pd.Series(list(inputs), dtype=object))


def _one(func, inputs, raw):
    """The result row of ``raw`` from the batched call over ``inputs``."""
    inputs = tuple(inputs)
    return _batch(func, inputs).iloc[inputs.index(raw)]


def _one_phone(text: str) -> dict:
    return _one(standardise_phones, ALL_PHONE_INPUTS, text).to_dict()


# --- phones -------------------------------------------------------------------------------

PHONE_CASES = [
    ("081234567890", "+6281234567890", None),
    ("6281234567890", "+6281234567890", None),
    ("+6281234567890", "+6281234567890", None),
    ("+62 812-3456-7890", "+6281234567890", None),
    ("+62 812 3456 7890", "+6281234567890", None),
    ("0812-3456-7890", "+6281234567890", None),
    ("0812 3456 7890", "+6281234567890", None),
    ("81234567890", "+6281234567890", None),  # Excel number cell lost the 0
    ("0857-1122-3344", "+6285711223344", None),
    ("(0252) 201234", "+62252201234", None),  # landline, Lebak
    ("(021) 50145176", "+622150145176", None),  # landline, Jakarta area code
    ("081342350333 / 089918341494", "+6281342350333", "+6289918341494"),
    ("081342350333 - 089918341494", "+6281342350333", "+6289918341494"),
    ("081342350333, 089918341494", "+6281342350333", "+6289918341494"),
    ("(0252) 201234 / 081234567890", "+6281234567890", "+62252201234"),  # mobile first
    ("081234567890 / 081234567890", "+6281234567890", None),  # same number twice
    ("", None, None),
    ("-", None, None),
]
MASKED_PHONES = ["0812****7890", "+62 812-****-7890", "6281xxxx7890x"]


@pytest.mark.parametrize("raw, e164, alt", PHONE_CASES)
def test_standardise_phones(raw, e164, alt):
    out = _one_phone(raw)
    assert (out["phone_e164"] if not _na(out["phone_e164"]) else None) == e164
    assert (out["phone_e164_alt"] if not _na(out["phone_e164_alt"]) else None) == alt
    assert bool(out["phone_masked"]) is False


@pytest.mark.parametrize("raw", MASKED_PHONES)
def test_masked_phone_gives_no_number(raw):
    out = _one_phone(raw)
    assert _na(out["phone_e164"]) and _na(out["phone_e164_alt"])
    assert bool(out["phone_masked"]) is True


def test_phones_keep_index_and_length():
    raw = pd.Series(["081234567890", None, "0812****7890", "(0252) 201234"], index=[7, 3, 9, 1])
    out = standardise_phones(raw)
    assert list(out.index) == [7, 3, 9, 1]
    assert out.loc[7, "phone_e164"] == "+6281234567890"
    assert _na(out.loc[3, "phone_e164"]) and bool(out.loc[3, "phone_masked"]) is False
    assert bool(out.loc[9, "phone_masked"]) is True
    assert out.loc[1, "phone_e164"] == "+62252201234"


VALID_PHONES = [
    "081234567890",
    "0812-3456-7890",
    "+62 812-3456-7890",
    "6281342350333",
    "0857 1122 3344",
    "089850574897",
    "0878-9317-2728",
    "081956571222",
    "0831 4764 4502",
    "085399313371",
    "0812 3456 789",
    "(0252) 201234",
    "(021) 50145176",
    "0254 200123",
]
ALL_PHONE_INPUTS = tuple(dict.fromkeys([c[0] for c in PHONE_CASES] + MASKED_PHONES + VALID_PHONES))


@pytest.mark.parametrize("raw", VALID_PHONES)
def test_phones_agree_with_phonenumbers(raw):
    parsed = phonenumbers.parse(raw, "ID")
    assert phonenumbers.is_valid_number(parsed)
    expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    assert _one_phone(raw)["phone_e164"] == expected


def test_email():
    out = standardise_email(pd.Series([" Sinar@Gmail.COM ", "bukan email", "", None, "a@b"]))
    assert out.iloc[0] == "sinar@gmail.com"
    assert all(_na(v) for v in out.iloc[1:])


# --- numbers and amounts ------------------------------------------------------------------

NUMBER_CASES = [
    ("120", 120.0),
    ("1,2rb", 1200.0),
    ("2,7rb", 2700.0),
    ("12 juta", 12_000_000.0),
    ("118 jt", 118_000_000.0),
    ("Rp 150.000.000", 150_000_000.0),
    ("Rp150.000.000", 150_000_000.0),
    ("1,5 M", 1_500_000_000.0),
    ("1.500.000,00", 1_500_000.0),
    ("5.366.666,67", 5_366_666.67),
    ("150000000", 150_000_000.0),
    ("4.9", 4.9),
    ("4,8", 4.8),
    ("750 ribu", 750_000.0),
    ("2 miliar", 2_000_000_000.0),
]
UNREADABLE_NUMBERS = ["", None, "-", "abc", "sekitar banyak", "12 jt 500 rb x"]


def _number(raw):
    inputs = [c[0] for c in NUMBER_CASES] + UNREADABLE_NUMBERS + BOTH_PARSE
    return _one(parse_indonesian_number, tuple(dict.fromkeys(inputs)), raw)


@pytest.mark.parametrize("raw, expected", NUMBER_CASES)
def test_parse_indonesian_number(raw, expected):
    value = _number(raw)
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("raw", UNREADABLE_NUMBERS)
def test_parse_indonesian_number_unreadable_is_na(raw):
    assert _na(_number(raw))


BOTH_PARSE = [
    "120",
    "1,2rb",
    "12 juta",
    "Rp 150.000.000",
    "1,5 M",
    "1.500.000,00",
    "Rp 12.500",
    "150rb",
    "2,5 jt",
    "3 miliar",
    "1.500.000",
    "Rp1.500.000",
    "750 ribu",
    "3,75 jt",
    "1 M",
    "Rp 2.500.000,00",
    "5.366.666,67",
    "4.9",
]


@pytest.mark.parametrize("raw", BOTH_PARSE)
def test_parse_indonesian_number_agrees_with_lokal(raw):
    reference = parse_rupiah(raw)
    assert reference is not None
    ours = _number(raw)
    assert ours == pytest.approx(float(reference.amount))


def test_parse_indonesian_number_is_float64_and_keeps_index():
    out = parse_indonesian_number(pd.Series(["1,2rb", ""], index=[5, 2]))
    assert str(out.dtype) == "Float64"
    assert list(out.index) == [5, 2]


# --- dates --------------------------------------------------------------------------------

DATE_CASES = [
    ("2021-03-04", date(2021, 3, 4)),
    ("2021-03-04 00:00:00", date(2021, 3, 4)),  # an Excel date cell as text
    ("2021-06-11T09:53:13+07:00", date(2021, 6, 11)),
    ("04/03/2021", date(2021, 3, 4)),  # day first
    ("12/03/2021", date(2021, 3, 12)),
    ("31/01/2019", date(2019, 1, 31)),
    ("20-09-2025", date(2025, 9, 20)),
    ("Maret 2021", date(2021, 3, 1)),
    ("Februari 2022", date(2022, 2, 1)),
    ("Desember 2020", date(2020, 12, 1)),
    ("november 2023", date(2023, 11, 1)),
]
UNREADABLE_DATES = ["", "31/02/2021", "13/13/2021", "besok", "Marchember 2021"]


def _date(raw):
    inputs = [c[0] for c in DATE_CASES] + UNREADABLE_DATES
    return _one(parse_dates, tuple(inputs), raw)


@pytest.mark.parametrize("raw, expected", DATE_CASES)
def test_parse_dates(raw, expected):
    value = _date(raw)
    assert pd.Timestamp(value).date() == expected


@pytest.mark.parametrize("raw", UNREADABLE_DATES)
def test_parse_dates_unreadable_is_nat(raw):
    assert pd.isna(_date(raw))


@pytest.mark.parametrize("typo", ["12/03/2921", "0021-03-12", "12/03/0201"])
def test_parse_dates_year_typo_is_nat_not_an_error(typo):
    out = parse_dates(pd.Series([typo, "2021-03-04"]))
    assert pd.isna(out.iloc[0])
    assert pd.Timestamp(out.iloc[1]).date() == date(2021, 3, 4)


def test_parse_unix_dates_uses_jakarta_day():
    # 2021-06-16 17:30:00 UTC is 2021-06-17 00:30 in Jakarta
    out = parse_unix_dates(pd.Series(["1623864600", ""]))
    assert pd.Timestamp(out.iloc[0]).date() == date(2021, 6, 17)
    assert pd.isna(out.iloc[1])


# --- NIK, NIB, NPWP, KBLI -----------------------------------------------------------------

VALID_NIKS = [
    ("3602044507800002", "3602044507800002"),  # woman: day + 40
    ("3603201007860685", "3603201007860685"),
    ("3674056210680330", "3674056210680330"),
    ("3602 0445 0780 0002", "3602044507800002"),
    ("3108181808940602", "3108181808940602"),  # another province is still a valid NIK
]


def _nik(raw):
    inputs = [c[0] for c in VALID_NIKS] + [c[0] for c in INVALID_NIKS]
    return _one(standardise_nik, tuple(inputs), raw)


@pytest.mark.parametrize("raw, nik", VALID_NIKS)
def test_valid_nik(raw, nik):
    out = _nik(raw)
    assert out["nik"] == nik
    assert _na(out["nik_issue"])


INVALID_NIKS = [
    ("3.602044E+15", "precision"),
    ("3.60204450780000E+15", "precision"),
    ("360204450780000", "16"),  # 15 digits
    ("36020445078000021", "16"),  # 17 digits
    ("9902044507800002", "valid"),  # no such province
    ("3602041313800002", "valid"),  # month 13
    ("3602040007800002", "valid"),  # day 00
    ("3602047507800002", "valid"),  # day 75
    ("36020445078ABCDE", ""),
]


@pytest.mark.parametrize("raw, issue_word", INVALID_NIKS)
def test_invalid_nik_has_issue_and_no_value(raw, issue_word):
    out = _nik(raw)
    assert _na(out["nik"])
    assert isinstance(out["nik_issue"], str) and out["nik_issue"] != ""
    assert issue_word in out["nik_issue"]


def test_blank_nik_has_no_issue():
    out = standardise_nik(pd.Series(["", None], dtype=object))
    assert out["nik"].isna().all() and out["nik_issue"].isna().all()


def test_nib_and_npwp_by_length():
    raw = pd.Series(
        [
            "9120301234567",
            "09.457.584.6-437.729",
            "3672080403840362",
            "912030123456",
            "",
            "NIB 9120301234567",
        ]
    )
    nib = digits_of_length(raw, lengths=(13,))
    npwp = digits_of_length(raw, lengths=(15, 16))
    assert list(nib.fillna("-")) == ["9120301234567", "-", "-", "-", "-", "-"]
    assert list(npwp.fillna("-")) == ["-", "094575846437729", "3672080403840362", "-", "-", "-"]


def test_first_kbli():
    out = first_kbli(pd.Series(["47111|46900", "10794", "", "1079"]))
    assert out.iloc[0] == "47111" and out.iloc[1] == "10794"
    assert _na(out.iloc[2]) and _na(out.iloc[3])


# --- names --------------------------------------------------------------------------------

SAME_BUSINESS = [
    "Taylor Bu Nur",
    "TAYLOR BU NUR",
    "taylor bu nur",
    "UD Taylor Bu Nur",
    "UD. TAYLOR BU NUR",
    "CV. Taylor Bu Nur",
    "PT Taylor Bu Nur Tbk",
    "Toko Taylor Bu Nur",
    "Warung Taylor Bu Nur",
    "Kedai Taylor Bu Nur",
    "RM Taylor Bu Nur",
    "Taylor Bu Nur Official Store",
    "Taylor Bu Nur Shop",
    "Taylor Bu Nur Store",
    "TaylorBuNur",
    "TaylorBuNur_official",
    "TaylorBuNurOfficial",
    "taylor_bu_nur",
    "⭐ TAYLOR BU NUR ☕",
    "Taylor Bu Nur 🛒🛍️",
    "  Taylor   Bu  Nur  ",
]


@pytest.mark.parametrize("raw", SAME_BUSINESS)
def test_business_name_variants_give_the_same_key(raw):
    assert _one(normalise_business_name, SAME_BUSINESS, raw) == "taylor bu nur"


@pytest.mark.parametrize(
    "variants, key",
    [
        (["Kedai Café Bu Nur", "Kedai Cafe Bu Nur", "KEDAI CAFÉ BU NUR"], "cafe bu nur"),
        (["Warung Ma’ruf", "Warung Ma'ruf", "Warung Ma`ruf"], None),
    ],
)
def test_business_name_key_ignores_accents_and_apostrophe_forms(variants, key):
    keys = list(normalise_business_name(pd.Series(variants)))
    assert len(set(keys)) == 1, keys
    if key is not None:
        assert keys[0] == key


def test_owner_name_key_ignores_accents_and_apostrophe_forms():
    keys = list(normalise_owner_name(pd.Series(["André Wijaya", "Andre Wijaya", "ANDRÉ WIJAYA"])))
    assert keys == ["andre wijaya"] * 3
    keys = list(normalise_owner_name(pd.Series(["Nur’aini", "Nur'aini"])))
    assert keys[0] == keys[1]


def test_different_businesses_keep_different_keys():
    out = normalise_business_name(
        pd.Series(["Toko Berkah", "Warung Barokah", "Kedai Sinar", "Toko", "-", ""])
    )
    assert list(out.iloc[:3]) == ["berkah", "barokah", "sinar"]
    assert _na(out.iloc[3]) and _na(out.iloc[5])


DISPLAY_CASES = [
    ("⭐ TAYLOR BU NUR ☕", "Taylor Bu Nur"),
    ("TaylorBuNur_official", "Taylor Bu Nur"),
    ("Golok Teh Yeni ⭐", "Golok Teh Yeni"),
    ("Kedai Café Bu Nur", "Kedai Café Bu Nur"),
    ("warung sukses", "Warung Sukses"),
]


@pytest.mark.parametrize("raw, expected", DISPLAY_CASES)
def test_display_business_name(raw, expected):
    assert _one(display_business_name, [c[0] for c in DISPLAY_CASES], raw) == expected


OWNER_CASES = [
    ("Siti Aminah", "siti aminah"),
    ("Hj. Siti Aminah, S.E., M.M.", "siti aminah"),
    ("Hj.Siti Aminah", "siti aminah"),
    ("Ibu Siti Aminah", "siti aminah"),
    ("Bu Siti Aminah", "siti aminah"),
    ("SITI AMINAH, S.Pd", "siti aminah"),
    ("H. TASNIM", "tasnim"),
    ("Bapak Drs. H. Ahmad Yani, M.Si.", "ahmad yani"),
    ("Bpk. Ahmad Yani", "ahmad yani"),
    ("Pak Mahmud Santoso", "mahmud santoso"),
    ("dr. Rina Marlina, Sp.A", "rina marlina"),
    ("Ir. Joko Susilo, M.T.", "joko susilo"),
    ("Septi Rahayu, A.md", "septi rahayu"),
    ("Ny. Halimah", "halimah"),
    ("Mak Septi", "septi"),
]


@pytest.mark.parametrize("raw, expected", OWNER_CASES)
def test_owner_names_without_honorifics_and_degrees(raw, expected):
    assert _one(normalise_owner_name, [c[0] for c in OWNER_CASES], raw) == expected


def test_owner_name_placeholders_are_na():
    out = normalise_owner_name(pd.Series(["-", "", None, "Ibu"], dtype=object))
    assert out.isna().all()


PLACEHOLDERS = ["", "-", "--", "N/A", "n/a", "NA", "null", "None", "  -  "]


@pytest.mark.parametrize("raw", PLACEHOLDERS)
def test_blank_placeholders(raw):
    assert _na(_one(blank_placeholders, PLACEHOLDERS, raw))


def test_blank_placeholders_keep_real_text():
    out = blank_placeholders(pd.Series(["  Budi ", "Toko - Jaya"]))
    assert list(out) == ["Budi", "Toko - Jaya"]


# --- activity -----------------------------------------------------------------------------


def test_activity_from_status_words_and_flags():
    fields = pd.DataFrame(
        {"status": ["AKTIF", "TIDAK AKTIF", "TUTUP", "Active", "Inactive", "Suspended", ""]}
    )
    assert list(activity(fields).astype(object).fillna("?")) == [
        True,
        False,
        False,
        True,
        False,
        False,
        "?",
    ]
    flags = pd.DataFrame({"closed_flag": ["true", "false", ""]})
    assert list(activity(flags).astype(object).fillna("?")) == [False, True, "?"]
    active = pd.DataFrame({"active_flag": ["true", "false"]})
    assert list(activity(active)) == [True, False]


# --- regions ------------------------------------------------------------------------------

CITY_CASES = [
    ("Tangsel", "3674"),
    ("Tangerang Selatan", "3674"),
    ("KOTA TANGERANG SELATAN", "3674"),
    ("Kota Tangerang Selatan", "3674"),
    ("Kab. Tangerang", "3603"),
    ("Tangerang Kab.", "3603"),
    ("KABUPATEN TANGERANG", "3603"),
    ("Kabupaten Tangerang", "3603"),
    ("Kota Tangerang", "3671"),
    ("KOTA SERANG", "3673"),
    ("Kab Serang", "3604"),
    ("Kota Cilegon", "3672"),
    ("Cilegon", "3672"),
    ("Pandeglang", "3601"),
    ("LEBAK", "3602"),
    ("Kab. Lebak", "3602"),
]
BARE_CITIES = ["Tangerang", "Serang", "TANGERANG", "serang"]
OUTSIDE_CITIES = [
    ("KAB. BANDUNG", "32"),
    ("Bandung", "32"),
    ("Kota Jakarta Selatan", "31"),
    ("Jaksel", "31"),
]


def _city(raw):
    inputs = [c[0] for c in CITY_CASES] + BARE_CITIES + [c[0] for c in OUTSIDE_CITIES]
    return _one(regions.resolve_city, tuple(inputs), raw)


@pytest.mark.parametrize("raw, code", CITY_CASES)
def test_resolve_city(raw, code):
    out = _city(raw)
    assert out["city_kab_code"] == code
    assert out["city_province"] == "36"


@pytest.mark.parametrize("raw", BARE_CITIES)
def test_bare_tangerang_or_serang_is_ambiguous_but_in_banten(raw):
    out = _city(raw)
    assert _na(out["city_kab_code"])
    assert out["city_province"] == "36"


@pytest.mark.parametrize("raw, province", OUTSIDE_CITIES)
def test_resolve_city_outside_banten(raw, province):
    out = _city(raw)
    assert out["city_province"] == province


def test_resolve_kecamatan_within_kab_and_unique_names():
    out = regions.resolve_kecamatan(
        pd.Series(
            ["Cibeber", "Cibeber", "Cibeber", "CIPOCOK JAYA", "Kec. Sindang Jaya", "Sindanh Jaya"]
        ),
        pd.Series(["3672", "3602", None, None, None, "3603"], dtype=object),
    )
    assert out.iloc[0]["kecamatan_code"] == "367201"
    assert out.iloc[1]["kecamatan_code"] == "360219"
    assert _na(out.iloc[2]["kecamatan_code"])  # two Banten kecamatan share the name
    assert out.iloc[3]["kecamatan_code"] == "367305"
    assert out.iloc[4]["kecamatan_code"] == "360329"
    assert out.iloc[5]["kecamatan_code"] == "360329"  # a typo within the known kab
    assert out.iloc[3]["kecamatan_name"] == "Cipocok Jaya"


def test_resolve_postal_code():
    out = regions.resolve_postal_code(pd.Series(["15138", "15820", "40135", ""]))
    assert list(out["postal_kab_code"].iloc[:2]) == ["3671", "3603"]
    assert list(out["postal_in_banten"].iloc[:3]) == [True, True, False]
    assert _na(out["postal_in_banten"].iloc[3])


def test_company_named_as_owner_is_the_business_not_a_person():
    from umkm.standardise.names import company_names_out_of_owner

    business = pd.Series([None, "Buah Rizki", None, None])
    owner = pd.Series(
        ["PT BUAH KANG RIDWAN", "cv buah rizki", "Koperasi Sambal Mas", "Nana Permana"]
    )
    named, owned = company_names_out_of_owner(business, owner)
    assert named.tolist()[:3] == ["PT BUAH KANG RIDWAN", "Buah Rizki", "Koperasi Sambal Mas"]
    assert pd.isna(named[3])
    assert owned.isna().tolist() == [True, True, True, False]
    assert normalise_business_name(named)[0] == "buah kang ridwan"
