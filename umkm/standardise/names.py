"""Business and owner names: readable, and in the form the match model compares.

``display_business_name`` keeps a name readable (no emoji or decoration, title case for
shouting); ``normalise_business_name`` and ``normalise_owner_name`` give the matching forms
(no legal forms, shop words, decoration, honorifics or degrees); ``company_names_out_of_owner``
moves a company's name out of the owner field. The shop words declared here are also those of
``umkm.resolution.match_input``.
"""

from __future__ import annotations

import pandas as pd

from umkm.standardise.distinct import on_distinct
from umkm.standardise.text import collapse_spaces, fold_accents

#: words naming the kind of shop, not which one (also ``umkm.resolution.match_input``: a
#: shop word with a typo, and the shop words before a shop's URL slug)
SHOP_WORDS = ("toko", "warung", "warteg", "kedai", "kios", "depot", "grosir", "outlet")
#: short forms of shop words: ``tk`` (toko), ``rm`` (rumah makan)
SHOP_ABBREVIATIONS = ("tk", "rm")
#: legal forms before or after a business name
LEGAL_FORMS = ("pt", "cv", "ud", "pd", "tbk", "fa", "firma")
#: decoration online shops add to their name (also ending a shop's URL slug)
SHOP_DECORATION = (
    "officialstore",
    "official",
    "store",
    "shop",
    "olshop",
    "onlineshop",
    "online",
    "id",
    "indonesia",
)
#: words that say what kind of shop or legal entity it is, not which one
BUSINESS_NOISE_WORDS = (
    *LEGAL_FORMS,
    *SHOP_WORDS,
    *SHOP_ABBREVIATIONS,
    *SHOP_DECORATION,
    "ind",
    "cabang",
)
#: honorifics and forms of address before a person's name
HONORIFICS = (
    "ibu",
    "bu",
    "bapak",
    "bpk",
    "pak",
    "hj",
    "h",
    "haji",
    "hajjah",
    "mas",
    "mbak",
    "mba",
    "teh",
    "abah",
    "mak",
    "mpok",
    "kak",
    "bang",
    "cak",
    "ny",
    "nyonya",
    "tn",
    "sdr",
    "sdri",
    "dr",
    "drs",
    "dra",
    "ir",
    "prof",
)
#: a name that starts with a legal form belongs to a company, not a person
_LEGAL_ENTITY_NAME = r"(?i)^\s*(?:pt|cv|ud|pd|fa|firma|koperasi|kop|yayasan)\b"
_EMOJI_AND_SYMBOLS = r"[^\w\s&.,'()/-]"


#: longest name kept for matching: longer text is no shop's name, and it would make every
#: edit-distance comparison of the night slow
MAX_NAME_LENGTH = 120


def _words_pattern(words: tuple[str, ...]) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


@on_distinct
def display_business_name(raw: pd.Series) -> pd.Series:
    """A readable business name: no emoji or decoration suffix, title case for ALL CAPS text."""
    text = raw.fillna("").astype(str)
    text = text.str.replace(r"(?i)[_.\s]official$", "", regex=True)
    text = text.str.replace(r"([a-z])([A-Z])", r"\1 \2", regex=True)
    text = collapse_spaces(
        text.str.replace(_EMOJI_AND_SYMBOLS, " ", regex=True).str.replace("_", " ")
    )
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
    return collapse_spaces(text).str.slice(0, MAX_NAME_LENGTH).str.strip().replace("", pd.NA)


def company_names_out_of_owner(
    business: pd.Series, owner: pd.Series
) -> tuple[pd.Series, pd.Series]:
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
    return collapse_spaces(text).str.slice(0, MAX_NAME_LENGTH).str.strip().replace("", pd.NA)
