"""Cell text before any standardiser reads it, and the helpers the standardisers share.

``visible_text`` drops invisible characters and surrounding space; ``blank_placeholders``
turns text that says nothing (``-``, ``N/A``, ``tidak ada``) into NA; ``fold_accents`` and
``collapse_spaces`` tidy text for comparison; ``as_mask`` turns a nullable condition into a
plain boolean array for numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.standardise.distinct import on_distinct

#: cell texts that say "nothing" (compared in lower case); text without a single letter or
#: digit (``...``, ``--``, ``???``, emoji alone) says nothing either
PLACEHOLDERS = frozenset(
    {
        "n/a",
        "na",
        "nan",
        "none",
        "null",
        "nil",
        "<na>",
        "tidak ada",
        "tidak tahu",
        "kosong",
        "belum ada",
        "0",
    }
)
#: characters that are never part of a value: zero-width and direction marks, soft hyphen,
#: byte-order marks, and control characters
INVISIBLE = r"[\u0000-\u0008\u000b-\u001f\u007f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"


def fold_accents(text: pd.Series) -> pd.Series:
    """``Café`` -> ``Cafe``: Unicode decomposition, then combining marks dropped."""
    return text.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)


@on_distinct
def collapse_spaces(text: pd.Series) -> pd.Series:
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


@on_distinct
def visible_text(raw: pd.Series) -> pd.Series:
    """Text without invisible characters and surrounding space; NA becomes ``""``."""
    return raw.fillna("").astype(str).str.replace(INVISIBLE, "", regex=True).str.strip()


@on_distinct
def blank_placeholders(raw: pd.Series) -> pd.Series:
    """Text with placeholder values (``-``, ``N/A``, ``...``, ``tidak ada``) turned into NA."""
    text = visible_text(raw)
    says_nothing = text.str.lower().isin(PLACEHOLDERS) | ~text.str.contains(r"[^\W_]", regex=True)
    return text.mask(says_nothing)


def as_mask(condition: pd.Series) -> np.ndarray:
    """A condition as a plain boolean array for numpy (``np.select``, ``np.where``): a
    nullable boolean's NA (nothing known) counts as False."""
    return condition.fillna(False).to_numpy(dtype=bool)
