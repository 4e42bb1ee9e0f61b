"""Indonesian numbers and Rupiah amounts (``1,2rb``, ``12 juta``, ``1.500.000,00``), and dates in
the contract's forms (ISO, day first, ``Maret 2021``, Excel serials, Unix times)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.standardise.distinct import on_distinct
from umkm.standardise.text import as_mask

_UNIT_FACTORS = {
    "rb": 1e3,
    "ribu": 1e3,
    "k": 1e3,
    "jt": 1e6,
    "juta": 1e6,
    "m": 1e9,
    "miliar": 1e9,
    "milyar": 1e9,
    "t": 1e12,
    "triliun": 1e12,
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
            [
                number.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
                number.str.replace(",", ".", regex=False),
                number,
            ],
            default="",
        ),
        index=raw.index,
    )
    value = pd.to_numeric(canonical.replace("", np.nan), errors="coerce")
    factor = parts["unit"].map(_UNIT_FACTORS).fillna(1.0)
    return (value * factor).astype("Float64")


_MONTHS_ID = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "pebruari": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "september": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "desember": 12,
    "des": 12,
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
_EXCEL_DAY_ZERO, _EXCEL_DAY_ZERO_AFTER_LEAP_BUG = (
    pd.Timestamp("1899-12-31"),
    pd.Timestamp("1899-12-30"),
)
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
    usable = (
        parts.notna().all(axis=1)
        & parts["y"].between(FIRST_YEAR, LAST_YEAR)
        & parts["m"].between(1, 12)
        & parts["d"].between(1, 31)
    ).to_numpy(dtype=bool)
    result = (
        pd.to_datetime(
            parts[usable].astype("int64").rename(columns={"y": "year", "m": "month", "d": "day"}),
            errors="coerce",
        )
        if usable.any()
        else pd.Series(dtype="datetime64[ns]")
    )
    dates = result.reindex(raw.index).astype("datetime64[ns]")
    return dates.fillna(_excel_serial_dates(text))


def _excel_serial_dates(text: pd.Series) -> pd.Series:
    serial = (
        pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,6}(?:\.\d+)?")), errors="coerce")
        .astype("float64")
        .to_numpy()
    )
    days = np.floor(np.nan_to_num(serial, nan=-1.0))
    before_bug = (days >= 1) & (days < _EXCEL_LEAP_BUG_DAY)
    after_bug = (days > _EXCEL_LEAP_BUG_DAY) & (days <= _EXCEL_LAST_DAY)
    offsets = pd.to_timedelta(np.where(before_bug | after_bug, days, 0), unit="D")
    dates = (
        pd.Series(
            np.where(before_bug, _EXCEL_DAY_ZERO, _EXCEL_DAY_ZERO_AFTER_LEAP_BUG), index=text.index
        ).astype("datetime64[ns]")
        + offsets
    )
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
    return (
        stamps.dt.tz_convert("Asia/Jakarta")
        .dt.tz_localize(None)
        .dt.normalize()
        .astype("datetime64[ns]")
    )
