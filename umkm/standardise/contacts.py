"""Phone numbers (E.164, mobiles first, masked numbers recognised) and e-mail addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.standardise.distinct import on_distinct
from umkm.standardise.text import as_mask

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
            [
                as_mask(digits.str.startswith("62")),
                as_mask(digits.str.startswith("0")),
                as_mask(digits.str.match(r"^8\d{8,11}$")),
            ],
            ["+" + digits, "+62" + digits.str[1:], "+62" + digits],
            default="",
        ),
        index=parts.index,
    )
    is_mobile = e164.str.match(_MOBILE) & ~masked
    is_landline = e164.str.match(_LANDLINE) & ~masked
    candidates = pd.DataFrame(
        {
            "e164": e164,
            "rank": np.where(is_mobile, 0, 1),
            "position": parts.groupby(level=0).cumcount(),
        }
    )[is_mobile | is_landline]
    candidates = candidates.sort_values(["rank", "position"], kind="stable")
    candidates = candidates[~candidates.reset_index().duplicated(["index", "e164"]).to_numpy()]
    order = candidates.groupby(level=0).cumcount()
    first = candidates["e164"][order == 0]
    second = candidates["e164"][order == 1]
    return pd.DataFrame(
        {
            "phone_e164": first.reindex(raw.index),
            "phone_e164_alt": second.reindex(raw.index),
            "phone_masked": masked.groupby(level=0).any().reindex(raw.index).fillna(False),
        }
    )


@on_distinct
def standardise_email(raw: pd.Series) -> pd.Series:
    text = raw.fillna("").astype(str).str.strip().str.lower()
    return text.where(text.str.match(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"))
