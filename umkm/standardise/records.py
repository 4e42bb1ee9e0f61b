"""Standardisation of one source snapshot: from its text fields to the canonical record layout.

``source_fields`` renames a raw table's columns to the catalog's source record fields;
``standardise_source`` applies the vectorised standardisers of the other modules of this
package to them (names, contacts, identifiers, numbers and dates, the region resolution of
``umkm.standardise.regions``), reads the activity status, keeps the text nothing understood
in ``unparsed``, and returns a frame that satisfies ``schemas.canonical.CanonicalRecord``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from schemas.catalog import SOURCE_FIELDS, SourceSpec
from umkm.standardise import regions
from umkm.standardise.contacts import standardise_email, standardise_phones
from umkm.standardise.identifiers import digits_of_length, first_kbli, standardise_nik
from umkm.standardise.names import (
    company_names_out_of_owner,
    display_business_name,
    normalise_business_name,
    normalise_owner_name,
)
from umkm.standardise.numbers_dates import parse_dates, parse_indonesian_number, parse_unix_dates
from umkm.standardise.text import as_mask, blank_placeholders, collapse_spaces, visible_text

_ACTIVE_WORDS = {
    "aktif": True,
    "active": True,
    "tidak aktif": False,
    "inactive": False,
    "tutup": False,
    "suspended": False,
    "closed": False,
}


def activity(fields: pd.DataFrame) -> pd.Series:
    """Whether the business or shop is active, from whichever status field the source has."""
    active = pd.Series(pd.NA, index=fields.index, dtype="boolean")
    if "status" in fields:
        active = active.fillna(
            fields["status"].str.strip().str.lower().map(_ACTIVE_WORDS).astype("boolean")
        )
    if "active_flag" in fields:
        active = active.fillna(
            fields["active_flag"].str.lower().map({"true": True, "false": False}).astype("boolean")
        )
    if "closed_flag" in fields:
        active = active.fillna(
            fields["closed_flag"].str.lower().map({"true": False, "false": True}).astype("boolean")
        )
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
    "nik": ("nik",),
    "nib": ("nib",),
    "npwp": ("npwp",),
    "registration_no": ("nib", "npwp"),
    "phone": ("phone_e164",),
    "email": ("email",),
    "postal_code": ("postal_code",),
    "city": ("kab_code",),
    "city_and_kecamatan": ("kab_code",),
    "kecamatan": ("kecamatan_code",),
    "village_code": ("kecamatan_code",),
    "kbli": ("kbli",),
    "turnover_yearly": ("turnover_yearly",),
    "turnover_monthly": ("turnover_yearly",),
    "registered_on": ("registered_on",),
    "registered_unix": ("registered_on",),
    "status": ("is_active",),
    "active_flag": ("is_active",),
    "closed_flag": ("is_active",),
    "product_count": ("product_count",),
}


def standardise_source(fields: pd.DataFrame, spec: SourceSpec, snapshot_date: date) -> pd.DataFrame:
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
    out["address"] = collapse_spaces(blank_placeholders(field("address")).fillna("")).replace(
        "", pd.NA
    )
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
    return collapse_spaces(blank_placeholders(raw).fillna("")).replace("", pd.NA)


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


def _regions(f: pd.DataFrame, field: Callable[[str], pd.Series], spec: SourceSpec) -> pd.DataFrame:
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
        np.select(
            [
                as_mask(outside_by_text | outside_by_code | outside_by_postal),
                as_mask(province.notna()),
            ],
            ["outside", "banten"],
            default="unknown",
        ),
        index=f.index,
    )
    if spec.kind == "registry":
        in_scope[:] = "banten"
    kab = kab.where((in_scope == "banten") & kab.isin(names))
    kecamatan = regions.resolve_kecamatan(kecamatan_text, kab)
    village_kecamatan = village.str[:6].where(village.str[:4] == kab)
    kecamatan = kecamatan.assign(
        kecamatan_code=village_kecamatan.where(
            village_kecamatan.isin(regions.region_tables().kecamatan["kecamatan_code"])
        ).fillna(kecamatan["kecamatan_code"])
    )
    kecamatan["kecamatan_name"] = kecamatan["kecamatan_code"].map(regions.kecamatan_names())
    return pd.DataFrame(
        {
            "kab_code": kab,
            "kab_name": kab.map(names),
            "kecamatan_code": kecamatan["kecamatan_code"],
            "kecamatan_name": kecamatan["kecamatan_name"],
            "postal_code": postal,
            "region_scope": in_scope,
            "region_evidence": _region_evidence(province_text, city_text, postal, village),
        }
    )


def _same_city_name(kab_code: pd.Series, city_text: pd.Series) -> pd.Series:
    """Whether a kab/kota code agrees with a bare city name (``Tangerang`` -> 3603 or 3671)."""
    names = regions.kabupaten_names()
    stem = (
        kab_code.map(names)
        .fillna("")
        .str.lower()
        .str.replace(r"^(kabupaten|kota)\s+", "", regex=True)
    )
    city = regions.name_key(city_text).str.replace(r"\b(?:kabupaten|kab|kota)\b", "", regex=True)
    return (stem != "") & (stem == city.str.strip())


def _region_evidence(
    province: pd.Series, city: pd.Series, postal: pd.Series, village: pd.Series
) -> pd.Series:
    """A short, personal-data-free trace of the location fields, for quarantine details."""
    return (
        "province="
        + province.fillna("")
        + "; city="
        + city.fillna("").str.slice(0, 40)
        + "; postal="
        + postal.fillna("")
        + "; village="
        + village.fillna("")
    )
