"""Standardisation: from a source's text fields to the canonical record layout.

One vectorised function per kind of value: business and owner names, phone numbers (E.164),
e-mail, NIK / NIB / NPWP shape checks, Indonesian numbers and Rupiah amounts (``1,2rb``,
``12 juta``, ``1.500.000,00``), dates in the contract's formats, activity status, and the
region resolution of ``umkm.standardise.regions``. ``standardise_source`` applies them all to one source
snapshot and returns a frame that satisfies ``schemas.canonical.CanonicalRecord``.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from schemas.catalog import SOURCE_FIELDS, SourceSpec
from umkm.standardise import regions
from umkm.standardise.distinct import on_distinct

# --- names -------------------------------------------------------------------------------

#: words naming the kind of shop, not which one (also ``umkm.resolution.match_input``: a
#: shop word with a typo, and the shop words before a shop's URL slug)
SHOP_WORDS = ("toko", "warung", "warteg", "kedai", "kios", "depot", "grosir", "outlet")
#: short forms of shop words: ``tk`` (toko), ``rm`` (rumah makan)
SHOP_ABBREVIATIONS = ("tk", "rm")
#: legal forms before or after a business name
LEGAL_FORMS = ("pt", "cv", "ud", "pd", "tbk", "fa", "firma")
#: decoration online shops add to their name (also ending a shop's URL slug)
SHOP_DECORATION = ("officialstore", "official", "store", "shop", "olshop", "onlineshop",
                   "online", "id", "indonesia")
#: words that say what kind of shop or legal entity it is, not which one
BUSINESS_NOISE_WORDS = (*LEGAL_FORMS, *SHOP_WORDS, *SHOP_ABBREVIATIONS, *SHOP_DECORATION,
                        "ind", "cabang")
#: honorifics and forms of address before a person's name
HONORIFICS = (
    "ibu", "bu", "bapak", "bpk", "pak", "hj", "h", "haji", "hajjah", "mas", "mbak", "mba",
    "teh", "abah", "mak", "mpok", "kak", "bang", "cak", "ny", "nyonya", "tn", "sdr", "sdri",
    "dr", "drs", "dra", "ir", "prof",
)
#: a name that starts with a legal form belongs to a company, not a person
_LEGAL_ENTITY_NAME = r"(?i)^\s*(?:pt|cv|ud|pd|fa|firma|koperasi|kop|yayasan)\b"
_EMOJI_AND_SYMBOLS = r"[^\w\s&.,'()/-]"


def fold_accents(text: pd.Series) -> pd.Series:
    """``Café`` -> ``Cafe``: Unicode decomposition, then combining marks dropped."""
    return text.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)


def _words_pattern(words: tuple[str, ...]) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


@on_distinct
def _collapse(text: pd.Series) -> pd.Series:
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


@on_distinct
def display_business_name(raw: pd.Series) -> pd.Series:
    """A readable business name: no emoji or decoration suffix, title case for ALL CAPS text."""
    text = raw.fillna("").astype(str)
    text = text.str.replace(r"(?i)[_.\s]official$", "", regex=True)
    text = text.str.replace(r"([a-z])([A-Z])", r"\1 \2", regex=True)
    text = _collapse(text.str.replace(_EMOJI_AND_SYMBOLS, " ", regex=True).str.replace("_", " "))
    shouting = (text == text.str.upper()) | (text == text.str.lower())
    return text.where(~shouting, text.str.title()).replace("", pd.NA)


@on_distinct
def normalise_business_name(raw: pd.Series) -> pd.Series:
    """Matching form of a business name: lower case, no legal-form, shop or decoration words.

    ``TaylorBuNur_official``, ``UD Taylor Bu Nur`` and ``⭐ TAYLOR BU NUR ☕`` all become
    ``taylor bu nur``. Returns NA when nothing is left.
    """
    text = fold_accents(raw.fillna("").astype(str))
    text = text.str.replace(r"([a-z])([A-Z])", r"\1 \2", regex=True)  # CamelCase slugs
    text = text.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True)
    text = text.str.replace(_words_pattern(BUSINESS_NOISE_WORDS), " ", regex=True)
    text = text.str.replace(r"\s\d{1,2}\s*$", " ", regex=True)  # 'Murah 2': a second shop
    return _collapse(text).str.slice(0, MAX_NAME_LENGTH).str.strip().replace("", pd.NA)


def company_names_out_of_owner(business: pd.Series, owner: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Owner names that are a company's name (``PT BUAH RIZKI``, ``KOPERASI ...``) are no
    person's: they become the business name where that is missing, and the owner is unknown.
    OSS names the licence holder, which for a PT, CV or cooperative is the company itself."""
    company = owner.fillna("").str.match(_LEGAL_ENTITY_NAME)
    return business.mask(business.isna() & company, owner), owner.mask(company)


@on_distinct
def normalise_owner_name(raw: pd.Series) -> pd.Series:
    """Matching form of a person's name: no degrees after a comma, no honorifics, lower case."""
    text = fold_accents(raw.fillna("").astype(str)).str.split(",", n=1).str[0].str.lower()
    text = text.str.replace(r"[^a-z]+", " ", regex=True)
    text = text.str.replace(_words_pattern(HONORIFICS), " ", regex=True)
    return _collapse(text).str.slice(0, MAX_NAME_LENGTH).str.strip().replace("", pd.NA)


#: cell texts that say "nothing" (compared in lower case); text without a single letter or
#: digit (``...``, ``--``, ``???``, emoji alone) says nothing either
PLACEHOLDERS = frozenset({
    "n/a", "na", "nan", "none", "null", "nil", "<na>", "tidak ada", "tidak tahu", "kosong",
    "belum ada", "0",
})
#: characters that are never part of a value: zero-width and direction marks, soft hyphen,
#: byte-order marks, and control characters
INVISIBLE = r"[\u0000-\u0008\u000b-\u001f\u007f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
#: longest name kept for matching: longer text is no shop's name, and it would make every
#: edit-distance comparison of the night slow
MAX_NAME_LENGTH = 120


@on_distinct
def visible_text(raw: pd.Series) -> pd.Series:
    """Text without invisible characters and surrounding space; NA becomes ``""``."""
    return raw.fillna("").astype(str).str.replace(INVISIBLE, "", regex=True).str.strip()


@on_distinct
def blank_placeholders(raw: pd.Series) -> pd.Series:
    """Text with placeholder values (``-``, ``N/A``, ``...``, ``tidak ada``) turned into NA."""
    text = visible_text(raw)
    says_nothing = text.str.lower().isin(PLACEHOLDERS) | ~text.str.contains(r"[^\W_]",
                                                                            regex=True)
    return text.mask(says_nothing)


# --- phones and e-mail -------------------------------------------------------------------

_PHONE_SEPARATORS = r"\s*/\s*|\s*,\s*|\s*;\s*|\s+-\s+|\s+atau\s+|\s*\|\s*"
_MOBILE = r"^\+628[1-9]\d{6,10}$"
_LANDLINE = r"^\+62[2-79]\d{6,9}$"


@on_distinct
def standardise_phones(raw: pd.Series) -> pd.DataFrame:
    """Phone text -> ``phone_e164`` (first valid number, mobiles first), ``phone_e164_alt``.

    Takes ``08..``, ``628..``, ``+62 8..``, dashes and spaces, two numbers in one cell, the
    leading zero lost in an Excel number cell, and landlines (``(0252) 201234``). Masked
    numbers (``0812****7890``) are unusable: ``phone_masked`` is true and no number is kept.
    """
    parts = raw.fillna("").astype(str).str.split(_PHONE_SEPARATORS, regex=True).explode()
    parts = parts.str.strip()
    masked = parts.str.contains(r"\*|x{3,}", regex=True)
    digits = parts.str.replace(r"\D", "", regex=True)
    e164 = pd.Series(
        np.select(
            [as_mask(digits.str.startswith("62")), as_mask(digits.str.startswith("0")),
             as_mask(digits.str.match(r"^8\d{8,11}$"))],
            ["+" + digits, "+62" + digits.str[1:], "+62" + digits],
            default="",
        ),
        index=parts.index,
    )
    is_mobile = e164.str.match(_MOBILE) & ~masked
    is_landline = e164.str.match(_LANDLINE) & ~masked
    candidates = pd.DataFrame({
        "e164": e164, "rank": np.where(is_mobile, 0, 1),
        "position": parts.groupby(level=0).cumcount(),
    })[is_mobile | is_landline]
    candidates = candidates.sort_values(["rank", "position"], kind="stable")
    candidates = candidates[~candidates.reset_index().duplicated(["index", "e164"]).to_numpy()]
    order = candidates.groupby(level=0).cumcount()
    first = candidates["e164"][order == 0]
    second = candidates["e164"][order == 1]
    return pd.DataFrame({
        "phone_e164": first.reindex(raw.index),
        "phone_e164_alt": second.reindex(raw.index),
        "phone_masked": masked.groupby(level=0).any().reindex(raw.index).fillna(False),
    })


@on_distinct
def standardise_email(raw: pd.Series) -> pd.Series:
    text = raw.fillna("").astype(str).str.strip().str.lower()
    return text.where(text.str.match(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"))


# --- identifiers -------------------------------------------------------------------------

_VALID_PROVINCE_PREFIXES = r"(?:1[1-9]|2[1-9]|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[1-2]|9[1-7])"
#: a woman's NIK carries her day of birth plus this (digits 7-8: 41-71 for days 1-31)
FEMALE_NIK_DAY_OFFSET = 40
_NIK = rf"^{_VALID_PROVINCE_PREFIXES}\d{{4}}(?:[0-6]\d|7[01])(?:0[1-9]|1[0-2])\d{{6}}$"


@on_distinct
def standardise_nik(raw: pd.Series) -> pd.DataFrame:
    """NIK text -> ``nik`` (16 digits of a valid shape, else NA) and ``nik_issue``."""
    text = raw.fillna("").astype(str).str.strip()
    digits = text.str.replace(r"[\s.]", "", regex=True)
    scientific = text.str.contains(r"[eE]\+?\d", regex=True)
    valid = digits.str.match(_NIK) & ~scientific
    day = pd.to_numeric(digits.str[6:8], errors="coerce")
    valid &= day.mod(FEMALE_NIK_DAY_OFFSET).between(1, 31)
    issue = pd.Series(
        np.select(
            [as_mask(text == ""), as_mask(valid), as_mask(scientific),
             as_mask(digits.str.len() != 16)],
            ["", "", "typed as a number: precision lost", "not 16 digits"],
            default="not a valid NIK (region or birth date)",
        ),
        index=raw.index,
    )
    return pd.DataFrame({"nik": digits.where(valid), "nik_issue": issue.replace("", pd.NA)})


@on_distinct
def digits_of_length(raw: pd.Series, lengths: tuple[int, ...]) -> pd.Series:
    """Digits of the text when there are exactly one of ``lengths`` of them and only
    separators (space, ``.``, ``-``) besides; else NA."""
    text = raw.fillna("").astype(str).str.strip()
    digits = text.str.replace(r"[\s.\-]", "", regex=True)
    ok = digits.str.fullmatch(r"\d+") & digits.str.len().isin(lengths)
    return digits.where(ok)


@on_distinct
def first_kbli(raw: pd.Series) -> pd.Series:
    return raw.fillna("").astype(str).str.extract(r"(\d{5})", expand=False)


# --- numbers, amounts and dates ----------------------------------------------------------

_UNIT_FACTORS = {
    "rb": 1e3, "ribu": 1e3, "k": 1e3, "jt": 1e6, "juta": 1e6, "m": 1e9, "miliar": 1e9,
    "milyar": 1e9, "t": 1e12, "triliun": 1e12,
}


@on_distinct
def parse_indonesian_number(raw: pd.Series) -> pd.Series:
    """``120``, ``1,2rb``, ``12 juta``, ``Rp 150.000.000``, ``1,5 M``, ``1.500.000,00`` -> float.

    Dots group thousands and a comma is the decimal mark, as written in Indonesia; a number
    with a single dot and no grouping (``4.9``) is read as a decimal. Unreadable text is NA.
    """
    text = raw.fillna("").astype(str).str.lower().str.replace(r"\s+", " ", regex=True)
    parts = text.str.extract(
        r"^(?:rp\.?\s*)?(?P<number>\d[\d.,]*)\s*(?P<unit>rb|ribu|k|jt|juta|m|miliar|milyar|t|triliun)?\.?(?:an)?\s*$"
    )
    number = parts["number"].fillna("")
    grouped = number.str.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
    comma_decimal = number.str.fullmatch(r"\d+,\d+")
    plain = number.str.fullmatch(r"\d+(?:\.\d+)?")
    canonical = pd.Series(
        np.select(
            [as_mask(grouped), as_mask(comma_decimal), as_mask(plain)],
            [number.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
             number.str.replace(",", ".", regex=False), number],
            default="",
        ),
        index=raw.index,
    )
    value = pd.to_numeric(canonical.replace("", np.nan), errors="coerce")
    factor = parts["unit"].map(_UNIT_FACTORS).fillna(1.0)
    return (value * factor).astype("Float64")


_MONTHS_ID = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8,
    "agu": 8, "agt": 8, "september": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "desember": 12, "des": 12,
}


def parse_dates(raw: pd.Series) -> pd.Series:
    """Dates in the contract's text forms -> datetime64, see ``parse_date_text``; timestamps
    are cut to their date first so that the distinct values are few."""
    text = raw.fillna("").astype(str).str.strip()
    return parse_date_text(text.str.replace(r"^(\d{4}-\d{2}-\d{2})[T ].*$", r"\1", regex=True))


#: plausible years of a registration or joining date; anything else is no date
FIRST_YEAR, LAST_YEAR = 1900, 2100
#: Excel counts days from 1899-12-31 and holds a 29 February 1900 that never was (day 60),
#: so from day 61 on a serial is days since 1899-12-30
_EXCEL_DAY_ZERO, _EXCEL_DAY_ZERO_AFTER_LEAP_BUG = pd.Timestamp("1899-12-31"), pd.Timestamp("1899-12-30")
_EXCEL_LEAP_BUG_DAY = 60
_EXCEL_LAST_DAY = (pd.Timestamp(f"{LAST_YEAR}-12-31") - _EXCEL_DAY_ZERO_AFTER_LEAP_BUG).days
#: Unix times above this many seconds (the year 5138) are milliseconds
_UNIX_MILLISECONDS_FROM = 1e11


@on_distinct
def parse_date_text(raw: pd.Series) -> pd.Series:
    """Dates in the contract's text forms -> datetime64 (day precision), NA when unreadable.

    ``2021-03-04`` (also with a time and offset, as Excel cells or ISO timestamps),
    ``04/03/2021`` and ``04-03-2021`` (day first), ``Maret 2021`` (first of the month), and an
    Excel serial day number (``44256``; day 60, Excel's 29 February 1900, is no date). Dates
    that do not exist (``31/02/2021``) or lie outside ``FIRST_YEAR``..``LAST_YEAR`` are NA.
    """
    text = raw.fillna("").astype(str).str.strip()
    iso = text.str.extract(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
    dmy = text.str.extract(r"^(?P<d>\d{1,2})[/-](?P<m>\d{1,2})[/-](?P<y>\d{4})$")
    month_year = text.str.lower().str.extract(r"^(?P<m>[a-z]+)\.?\s+(?P<y>\d{4})$")
    month_year["m"] = month_year["m"].map(_MONTHS_ID)
    month_year["d"] = 1
    parts = iso.fillna(dmy).fillna(month_year)
    parts = parts.apply(pd.to_numeric, errors="coerce")
    usable = (parts.notna().all(axis=1) & parts["y"].between(FIRST_YEAR, LAST_YEAR)
              & parts["m"].between(1, 12) & parts["d"].between(1, 31)).to_numpy(dtype=bool)
    result = pd.to_datetime(
        parts[usable].astype("int64").rename(columns={"y": "year", "m": "month", "d": "day"}),
        errors="coerce",
    ) if usable.any() else pd.Series(dtype="datetime64[ns]")
    dates = result.reindex(raw.index).astype("datetime64[ns]")
    return dates.fillna(_excel_serial_dates(text))


def _excel_serial_dates(text: pd.Series) -> pd.Series:
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,6}(?:\.\d+)?")),
                           errors="coerce").astype("float64").to_numpy()
    days = np.floor(np.nan_to_num(serial, nan=-1.0))
    before_bug = (days >= 1) & (days < _EXCEL_LEAP_BUG_DAY)
    after_bug = (days > _EXCEL_LEAP_BUG_DAY) & (days <= _EXCEL_LAST_DAY)
    offsets = pd.to_timedelta(np.where(before_bug | after_bug, days, 0), unit="D")
    dates = pd.Series(np.where(before_bug, _EXCEL_DAY_ZERO, _EXCEL_DAY_ZERO_AFTER_LEAP_BUG),
                      index=text.index).astype("datetime64[ns]") + offsets
    plausible = (before_bug | after_bug) & dates.dt.year.between(FIRST_YEAR, LAST_YEAR).to_numpy()
    return dates.where(plausible).astype("datetime64[ns]")


@on_distinct
def parse_unix_dates(raw: pd.Series) -> pd.Series:
    """Unix seconds (or milliseconds) -> the date in Asia/Jakarta; NA when not plausible."""
    seconds = pd.to_numeric(raw, errors="coerce").astype("float64")
    seconds = seconds.where(seconds < _UNIX_MILLISECONDS_FROM, seconds / 1000)
    latest = (pd.Timestamp(f"{LAST_YEAR}-12-31") - pd.Timestamp("1970-01-01")).total_seconds()
    seconds = seconds.where((seconds > 0) & (seconds <= latest))
    stamps = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    return stamps.dt.tz_convert("Asia/Jakarta").dt.tz_localize(None).dt.normalize().astype(
        "datetime64[ns]"
    )


_ACTIVE_WORDS = {"aktif": True, "active": True, "tidak aktif": False, "inactive": False,
                 "tutup": False, "suspended": False, "closed": False}


def activity(fields: pd.DataFrame) -> pd.Series:
    """Whether the business or shop is active, from whichever status field the source has."""
    active = pd.Series(pd.NA, index=fields.index, dtype="boolean")
    if "status" in fields:
        active = active.fillna(fields["status"].str.strip().str.lower().map(_ACTIVE_WORDS)
                               .astype("boolean"))
    if "active_flag" in fields:
        active = active.fillna(fields["active_flag"].str.lower().map({"true": True, "false": False})
                               .astype("boolean"))
    if "closed_flag" in fields:
        active = active.fillna(fields["closed_flag"].str.lower().map({"true": False, "false": True})
                               .astype("boolean"))
    return active


# --- one source snapshot -----------------------------------------------------------------

def source_fields(raw: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    """Rename a raw table's columns to the source record fields of the catalog mapping."""
    fmt = spec.format
    fields = raw.rename(columns=fmt.mapping)
    fields["source_record_id"] = raw[fmt.record_key]
    keep = ["source_record_id", *[f for f in SOURCE_FIELDS if f in fields.columns]]
    return fields[keep]


#: source record fields whose text a standardiser may not understand, and the canonical
#: columns they fill: text that fills none of them is kept in ``unparsed``
UNDERSTOOD_AS: dict[str, tuple[str, ...]] = {
    "nik": ("nik",), "nib": ("nib",), "npwp": ("npwp",), "registration_no": ("nib", "npwp"),
    "phone": ("phone_e164",), "email": ("email",), "postal_code": ("postal_code",),
    "city": ("kab_code",), "city_and_kecamatan": ("kab_code",),
    "kecamatan": ("kecamatan_code",), "village_code": ("kecamatan_code",), "kbli": ("kbli",),
    "turnover_yearly": ("turnover_yearly",), "turnover_monthly": ("turnover_yearly",),
    "registered_on": ("registered_on",), "registered_unix": ("registered_on",),
    "status": ("is_active",), "active_flag": ("is_active",), "closed_flag": ("is_active",),
    "product_count": ("product_count",),
}


def standardise_source(
    fields: pd.DataFrame, spec: SourceSpec, snapshot_date: date
) -> pd.DataFrame:
    """Standardise one source snapshot's records (``source_fields`` output) to canonical form.

    Any text in any cell is survived: what cannot be understood becomes NA, and its raw text
    is kept in ``unparsed`` (a JSON object, field -> text), which only ``restricted`` holds."""
    f = fields.apply(visible_text)
    f["source_record_id"] = fields["source_record_id"].astype(str)

    def field(name: str) -> pd.Series:
        return f[name] if name in f else pd.Series("", index=f.index, dtype=str)

    out = pd.DataFrame(index=f.index)
    out["source"] = spec.key
    out["source_record_id"] = f["source_record_id"]
    out["snapshot_date"] = pd.Timestamp(snapshot_date)
    out["platform"] = spec.platform
    business = blank_placeholders(field("business_name"))
    owner = blank_placeholders(field("owner_name"))
    business, owner = company_names_out_of_owner(business, owner)
    out["business_name"] = display_business_name(business)
    out["business_name_norm"] = normalise_business_name(business)
    out["owner_name"] = owner.str.strip().replace("", pd.NA)
    out["owner_name_norm"] = normalise_owner_name(owner)
    out["shop_slug"] = normalise_business_name(field("shop_slug")).str.replace(" ", "")
    out = out.join(standardise_nik(field("nik")))
    registration = field("registration_no")
    out["nib"] = digits_of_length(field("nib"), lengths=(13,)).fillna(
        digits_of_length(registration, lengths=(13,))
    )
    out["npwp"] = digits_of_length(field("npwp"), lengths=(15, 16)).fillna(
        digits_of_length(registration, lengths=(15, 16))
    )
    out = out.join(standardise_phones(field("phone")))
    out["email"] = standardise_email(field("email"))
    out["address"] = _collapse(blank_placeholders(field("address")).fillna("")).replace("", pd.NA)
    out["kelurahan"] = _plain_text(field("kelurahan")).str.title()
    out = out.join(_regions(f, field, spec))
    out["kbli"] = first_kbli(field("kbli"))
    out["category"] = _plain_text(field("category")).str.title()
    out["size_class"] = _plain_text(field("size_class"))
    out["legal_form"] = _plain_text(field("legal_form"))
    yearly = parse_indonesian_number(field("turnover_yearly"))
    monthly = parse_indonesian_number(field("turnover_monthly")) * 12
    out["turnover_yearly"] = yearly.fillna(monthly)
    registered = parse_dates(field("registered_on"))
    if "registered_unix" in f:
        registered = registered.fillna(parse_unix_dates(f["registered_unix"]))
    out["registered_on"] = registered
    out["is_active"] = activity(f)
    products = parse_indonesian_number(field("product_count")).round()
    out["product_count"] = products.where(products < 1e9).astype("Int64")
    out["unparsed"] = unparsed_text(f, out)
    return out.reset_index(drop=True)


def _plain_text(raw: pd.Series) -> pd.Series:
    """Free text without placeholders and repeated spaces; NA when nothing is left."""
    return _collapse(blank_placeholders(raw).fillna("")).replace("", pd.NA)


def unparsed_text(fields: pd.DataFrame, out: pd.DataFrame) -> pd.Series:
    """Per record, a JSON object of the fields whose text (not a placeholder) filled none of
    the canonical columns it stands for (``UNDERSTOOD_AS``), else NA. A masked phone number is
    understood: it is known to be unusable."""
    result = pd.Series(pd.NA, index=out.index, dtype=object)
    for name, columns in UNDERSTOOD_AS.items():
        if name not in fields:
            continue
        text = blank_placeholders(fields[name])
        lost = text.notna() & out[list(columns)].isna().all(axis=1)
        if name == "phone":
            lost &= ~out["phone_masked"].astype(bool)
        lost = as_mask(lost)
        if not lost.any():
            continue
        entry = f"{json.dumps(name)}: " + text[lost].map(json.dumps)
        previous = result[lost]
        result[lost] = previous.where(previous.isna(), previous + ", ").fillna("") + entry
    return ("{" + result + "}").where(result.notna())


def _regions(f: pd.DataFrame, field, spec: SourceSpec) -> pd.DataFrame:
    """kab/kota and kecamatan codes and whether the record lies in Banten."""
    city_text, kecamatan_text = field("city"), field("kecamatan")
    if "city_and_kecamatan" in f:
        parts = f["city_and_kecamatan"].str.extract(r"^(.*?)(?:\s+-\s+(.*))?$")
        city_text, kecamatan_text = parts[0].fillna(""), parts[1].fillna("")
    city = regions.resolve_city(city_text)
    postal = blank_placeholders(field("postal_code")).str.extract(r"(\d{5})", expand=False)
    by_postal = regions.resolve_postal_code(postal.fillna(""))
    village = field("village_code").str.replace(r"\D", "", regex=True)
    names = regions.kabupaten_names()
    village_kab = village.str[:4].where(village.str[:4].isin(names))
    province_text = regions.name_key(field("province"))
    province_text = province_text.str.replace(r"\b(?:provinsi|prov)\b", "", regex=True).str.strip()

    fixed = pd.Series(spec.region_code, index=f.index, dtype="object")
    kab = fixed.fillna(village_kab).fillna(city["city_kab_code"])
    # a bare 'Tangerang' or 'Serang' is settled by the kecamatan, else by the postal code
    kecamatan_any = regions.resolve_kecamatan(kecamatan_text, pd.Series(pd.NA, index=f.index))
    from_kecamatan = kecamatan_any["kecamatan_code"].str[:4]
    city_province = city["city_province"]
    hint_ok = city_province.isna() | (city_province == regions.BANTEN)
    kecamatan_fits = hint_ok & (city_province.isna() | _same_city_name(from_kecamatan, city_text))
    kab = kab.fillna(from_kecamatan.where(kecamatan_fits))
    kab = kab.fillna(by_postal["postal_kab_code"].where(hint_ok))

    province = fixed.str[:2].fillna(village.str[:2].where(village.str.len() >= 2))
    province = province.fillna(city_province)
    province = province.fillna(kab.str[:2])
    outside_by_text = (province_text != "") & (province_text != "banten")
    outside_by_code = province.notna() & (province != regions.BANTEN)
    # a blank postal code says nothing: its nullable 'in Banten' flag is NA, never False
    outside_by_postal = province.isna() & by_postal["postal_in_banten"].eq(False)
    in_scope = pd.Series(
        np.select([as_mask(outside_by_text | outside_by_code | outside_by_postal),
                   as_mask(province.notna())],
                  ["outside", "banten"], default="unknown"),
        index=f.index,
    )
    if spec.kind == "registry":
        in_scope[:] = "banten"
    kab = kab.where((in_scope == "banten") & kab.isin(names))
    kecamatan = regions.resolve_kecamatan(kecamatan_text, kab)
    village_kecamatan = village.str[:6].where(village.str[:4] == kab)
    kecamatan = kecamatan.assign(kecamatan_code=village_kecamatan.where(
        village_kecamatan.isin(regions.region_tables().kecamatan["kecamatan_code"])
    ).fillna(kecamatan["kecamatan_code"]))
    kecamatan["kecamatan_name"] = kecamatan["kecamatan_code"].map(regions.kecamatan_names())
    return pd.DataFrame({
        "kab_code": kab,
        "kab_name": kab.map(names),
        "kecamatan_code": kecamatan["kecamatan_code"],
        "kecamatan_name": kecamatan["kecamatan_name"],
        "postal_code": postal,
        "region_scope": in_scope,
        "region_evidence": _region_evidence(province_text, city_text, postal, village),
    })


def as_mask(condition: pd.Series) -> np.ndarray:
    """A condition as a plain boolean array for numpy (``np.select``, ``np.where``): a
    nullable boolean's NA (nothing known) counts as False."""
    return condition.fillna(False).to_numpy(dtype=bool)


def _same_city_name(kab_code: pd.Series, city_text: pd.Series) -> pd.Series:
    """Whether a kab/kota code agrees with a bare city name (``Tangerang`` -> 3603 or 3671)."""
    names = regions.kabupaten_names()
    stem = kab_code.map(names).fillna("").str.lower().str.replace(r"^(kabupaten|kota)\s+", "",
                                                                   regex=True)
    city = regions.name_key(city_text).str.replace(r"\b(?:kabupaten|kab|kota)\b", "", regex=True)
    return (stem != "") & (stem == city.str.strip())


def _region_evidence(province: pd.Series, city: pd.Series, postal: pd.Series,
                     village: pd.Series) -> pd.Series:
    """A short, personal-data-free trace of the location fields, for quarantine details."""
    return (
        "province=" + province.fillna("") + "; city=" + city.fillna("").str.slice(0, 40)
        + "; postal=" + postal.fillna("") + "; village=" + village.fillna("")
    )
