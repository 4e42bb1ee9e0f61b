"""Vectorised value formatting shared by the source renderers.

Number formats (`1.500.000,00`, `12 juta`, `1,5 M`, `1,2rb`), date formats
(`12/03/2021`, `12-03-2021`, `Maret 2021`, ISO timestamps with `+07:00`),
JSON literals built without a per-row `json.dumps`, and object columns that
mix text, numbers, dates and blanks for the Excel writers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.demo.textops import mask_text, where_text
from umkm.demo.vocabulary import INDONESIAN_MONTHS

JAKARTA_OFFSET_SECONDS = 7 * 3600


def thousands(values: np.ndarray | pd.Series, separator: str = ".") -> pd.Series:
    """Non-negative integers with a thousands separator: 150000000 -> '150.000.000'."""
    numbers = np.asarray(values, dtype=np.int64)
    index = values.index if isinstance(values, pd.Series) else None
    padded = pd.Series(numbers, index=index).astype("str").str.zfill(18)
    grouped = padded.str.slice(0, 3)
    for start in range(3, 18, 3):
        grouped = grouped + separator + padded.str.slice(start, start + 3)
    stripped = grouped.str.replace("^[0" + separator + "]+", "", regex=True)
    return mask_text(stripped, stripped == "", "0")


def indonesian_decimal(values: np.ndarray | pd.Series) -> pd.Series:
    """Amounts as `5.366.666,67` (dot thousands, comma decimals)."""
    cents = np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)
    index = values.index if isinstance(values, pd.Series) else None
    fraction = pd.Series(cents % 100, index=index).astype("str").str.zfill(2)
    return thousands(pd.Series(cents // 100, index=index)) + "," + fraction


def short_amount(values: np.ndarray | pd.Series, rng: np.random.Generator) -> pd.Series:
    """Amounts typed by hand: `12 juta`, `118 jt`, `1,5 M`, `Rp 150.000.000`."""
    numbers = pd.Series(np.asarray(values, dtype=np.int64), index=getattr(values, "index", None))
    millions = (numbers // 1_000_000).clip(lower=1).astype("str")
    billions = (
        (numbers / 1e9)
        .round(1)
        .astype("str")
        .str.replace(".", ",", regex=False)
        .str.replace(",0$", "", regex=True)
    )
    style = rng.random(len(numbers))
    text = "Rp " + thousands(numbers)
    text = mask_text(text, style < 0.35, millions + " juta")
    text = mask_text(text, (style >= 0.35) & (style < 0.6), millions + " jt")
    return mask_text(text, (numbers >= 1e9) & (style < 0.6), billions + " M")


def ribuan(values: np.ndarray | pd.Series) -> pd.Series:
    """Counts as BBI forms type them: `120`, or `1,2rb` from a thousand on."""
    numbers = pd.Series(np.asarray(values, dtype=np.int64), index=getattr(values, "index", None))
    thousands_text = (numbers / 1000).round(1).astype("str").str.replace(".", ",", regex=False)
    compact = thousands_text.str.replace(",0$", "", regex=True) + "rb"
    return where_text(numbers.astype("str"), numbers < 1000, compact)


def iso_dates(days: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """datetime64[D] values as `2021-03-04`."""
    return pd.Series(
        np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D"),
        index=index,
        dtype="str",
    )


def day_first_dates(
    days: np.ndarray, separator: str = "/", index: pd.Index | None = None
) -> pd.Series:
    """datetime64[D] values as `04/03/2021` (or with another separator)."""
    iso = iso_dates(days, index)
    return iso.str.slice(8, 10) + separator + iso.str.slice(5, 7) + separator + iso.str.slice(0, 4)


def month_year(days: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """datetime64[D] values as `Maret 2021`."""
    iso = iso_dates(days, index)
    months = np.asarray(INDONESIAN_MONTHS, dtype=object)[
        iso.str.slice(5, 7).astype(int).to_numpy() - 1
    ]
    return pd.Series(months, index=iso.index, dtype="str") + " " + iso.str.slice(0, 4)


def jakarta_timestamps(unix_seconds: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Unix seconds as ISO timestamps in Jakarta time: `2025-01-24T20:59:40+07:00`."""
    local = np.asarray(unix_seconds, dtype=np.int64) + JAKARTA_OFFSET_SECONDS
    text = np.datetime_as_string(local.astype("datetime64[s]"), unit="s")
    return pd.Series(text, index=index, dtype="str") + "+07:00"


def unix_seconds_between(
    rng: np.random.Generator, first_day: np.ndarray, last_day: np.ndarray
) -> np.ndarray:
    """Random instants (Unix seconds) from the start of `first_day` to the end of `last_day` (Jakarta)."""
    start = np.asarray(first_day, dtype="datetime64[D]").astype("datetime64[s]").astype(np.int64)
    end = (
        np.asarray(last_day, dtype="datetime64[D]").astype("datetime64[s]").astype(np.int64)
        + 86_399
    )
    span = np.maximum(end - start, 1)
    return start + (rng.random(len(start)) * span).astype(np.int64) - JAKARTA_OFFSET_SECONDS


def json_string(values: pd.Series) -> pd.Series:
    """JSON string literals (UTF-8 kept as is): `"Kedai \\"Sinar\\""`."""
    escaped = (
        values.str.replace("\\", "\\\\", regex=False)
        .str.replace('"', '\\"', regex=False)
        .str.replace("\n", "\\n", regex=False)
        .str.replace("\r", "\\r", regex=False)
        .str.replace("\t", "\\t", regex=False)
    )
    return '"' + escaped + '"'


def json_string_or_null(values: pd.Series, null: np.ndarray | pd.Series) -> pd.Series:
    """JSON string literals, `null` where `null` is True."""
    return mask_text(json_string(values), np.asarray(null, dtype=bool), "null")


def json_string_list(items: list[pd.Series]) -> pd.Series:
    """JSON lists of the non-blank strings among `items`: `["0812..", "0857.."]`."""
    result = pd.Series("", index=items[0].index, dtype="str")
    for item in items:
        literal = json_string(item)
        joined = where_text((result + ", " + literal), result != "", literal)
        result = where_text(joined, item != "", result)
    return "[" + result + "]"


def object_column(size: int, *parts: tuple[np.ndarray, object]) -> np.ndarray:
    """Build an object array from (mask, values) parts; unset cells stay None."""
    column = np.full(size, None, dtype=object)
    for mask, values in parts:
        mask = np.asarray(mask, dtype=bool)
        if isinstance(values, pd.Series):
            values = values.to_numpy(dtype=object)
        if isinstance(values, np.ndarray):
            column[mask] = values[mask]
        else:
            column[mask] = values
    return column


def text_or_none(values: pd.Series) -> np.ndarray:
    """Object array of the strings, None where blank."""
    return object_column(len(values), ((values != "").to_numpy(), values))


def python_dates(days: np.ndarray) -> np.ndarray:
    """datetime64[D] values as an object array of datetime.date."""
    return np.asarray(days, dtype="datetime64[D]").astype(object)
