"""Shape checks of identifiers: NIK (region and birth date), NIB and NPWP (digits of a length),
and the first KBLI code of a text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.standardise.distinct import on_distinct
from umkm.standardise.text import as_mask

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
            [
                as_mask(text == ""),
                as_mask(valid),
                as_mask(scientific),
                as_mask(digits.str.len() != 16),
            ],
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
