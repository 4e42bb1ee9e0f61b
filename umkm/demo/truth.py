"""Ground truth: what every written row is, and who every business really is.

`truth_rows` describes each data row of one written file: its record key as the
pipeline should read it, the true business (blank for garbage and out-of-scope
rows), what the pipeline is expected to do with it and which hard cases it
belongs to.  `write_businesses` writes the true attributes of every Banten
business together with the sources it appears in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from umkm.demo.catalog import SourceSpec
from umkm.demo.noise import is_ambiguous_city
from umkm.demo.sources import CITY_COLUMNS, JSON_FORMATS
from umkm.demo.textops import mask_text, where_text
from umkm.demo.writers import WriteResult, delimited_rows, header_line

TRUTH_COLUMNS = (
    "delivery_date",
    "source",
    "source_record_id",
    "business_id",
    "expected",
    "hard_case",
    "broken_file",
)
BUSINESS_COLUMNS = (
    "business_id",
    "name",
    "owner_name",
    "gender",
    "nik",
    "phone",
    "email",
    "kab_code",
    "kec_code",
    "kecamatan",
    "village_code",
    "village",
    "postal_code",
    "address",
    "rt",
    "rw",
    "sector",
    "product",
    "kbli_all",
    "legal_form",
    "size_class",
    "turnover",
    "registered",
    "nib",
    "npwp",
    "status",
    "hard_case",
    "first_day",
)


def _add_tag(tags: pd.Series, mask: np.ndarray, tag: str) -> pd.Series:
    """Append `tag` to the '|'-joined tags of the masked rows."""
    if not np.any(mask):
        return tags
    added = where_text(tags + "|" + tag, (tags != "").to_numpy(), tag)
    return mask_text(tags, mask, added)


def _expected(records: pd.DataFrame, in_banten: np.ndarray, result: WriteResult) -> np.ndarray:
    """linked / out_of_scope / duplicate_key / no_usable_name / malformed per row."""
    kind = records["kind"].to_numpy()
    expected = np.full(len(records), "linked", dtype=object)
    expected[~in_banten] = "out_of_scope"
    expected[records["key"].astype("str").duplicated(keep="first").to_numpy()] = "duplicate_key"
    expected[kind == "no_usable_name"] = "no_usable_name"
    expected[(kind == "malformed") | result.malformed[: len(records)]] = "malformed"
    return expected


def _city_texts(spec: SourceSpec, cells: pd.DataFrame) -> pd.Series | None:
    """The city column of a marketplace file as plain text (None if it has none)."""
    column = CITY_COLUMNS.get(spec.fmt)
    if column is None:
        return None
    text = cells[column].fillna("").astype("str")
    return text.str.strip('"') if spec.fmt in JSON_FORMATS else text


def _hard_case_tags(
    spec: SourceSpec,
    records: pd.DataFrame,
    cells: pd.DataFrame,
    population: pd.DataFrame,
    expected: np.ndarray,
    on_tiktok_and_tokopedia: np.ndarray,
) -> pd.Series:
    """Business-level tags plus this row's own: multi_registry, multi_shop, tiktok_tokopedia, ..."""
    owners = records["business_idx"].to_numpy().astype(np.int64)
    tags = pd.Series(population["hard_case"].to_numpy()[owners], dtype="str")
    usable = np.isin(expected, ("linked", "out_of_scope"))
    repeated = (
        pd.Series(np.where(usable, owners, -1 - np.arange(len(owners))))
        .duplicated(keep=False)
        .to_numpy()
    )
    if spec.is_registry:
        tags = _add_tag(tags, repeated, "multi_registry")
    if spec.is_marketplace:
        tags = _add_tag(tags, repeated, "multi_shop")
        tags = _add_tag(tags, ~population["in_banten"].to_numpy()[owners], "out_of_province")
    if spec.key in ("tokopedia", "tiktokshop"):
        tags = _add_tag(tags, on_tiktok_and_tokopedia[owners], "tiktok_tokopedia")
    city = _city_texts(spec, cells)
    if city is not None:
        tags = _add_tag(tags, is_ambiguous_city(city.reset_index(drop=True)), "ambiguous_city")
    return where_text(tags, usable, "")


def truth_rows(
    spec: SourceSpec,
    records: pd.DataFrame,
    cells: pd.DataFrame,
    population: pd.DataFrame,
    result: WriteResult,
    delivery_date: str,
    broken_file: bool,
    on_tiktok_and_tokopedia: np.ndarray,
) -> pd.DataFrame:
    """One ground-truth row per data row written to a file (records/cells in file order)."""
    records = records.iloc[: result.rows_in_file]
    cells = cells.iloc[: result.rows_in_file]
    owners = records["business_idx"].to_numpy().astype(np.int64)
    in_banten = population["in_banten"].to_numpy()[owners]
    expected = _expected(records, in_banten, result)
    business_ids = np.where(expected == "linked", population["business_id"].to_numpy()[owners], "")
    record_ids = records["key"].astype("str").to_numpy(dtype=object)
    record_ids[result.key_hidden[: len(records)]] = ""
    return pd.DataFrame(
        {
            "delivery_date": delivery_date,
            "source": spec.key,
            "source_record_id": record_ids,
            "business_id": business_ids,
            "expected": expected,
            "hard_case": _hard_case_tags(
                spec, records, cells, population, expected, on_tiktok_and_tokopedia
            ).to_numpy(),
            "broken_file": "true" if broken_file else "false",
        },
        columns=list(TRUTH_COLUMNS),
    )


def write_csv(path: Path, table: pd.DataFrame, append: bool = False) -> None:
    """A UTF-8, comma-separated file (minimal quoting); appending skips the header."""
    columns = tuple(table.columns)
    new_file = not (append and path.exists())
    lines = delimited_rows(table, columns, ",")
    with path.open("a" if append else "w", encoding="utf-8", newline="") as handle:
        if new_file:
            handle.write(header_line(columns, ",") + "\n")
        if len(lines):
            handle.write("\n".join(lines.tolist()) + "\n")


def append_truth(path: Path, rows: pd.DataFrame) -> None:
    """Append rows to ground_truth.csv (header written when the file is new)."""
    write_csv(path, rows, append=True)


def write_businesses(
    path: Path,
    population: pd.DataFrame,
    presence: dict[str, np.ndarray],
    registry_sources: list[str],
    marketplace_sources: list[str],
) -> None:
    """businesses.csv: true attributes of every Banten business and where it appears."""
    banten = population["in_banten"].to_numpy()
    table = population.loc[banten, list(BUSINESS_COLUMNS)].copy()
    table["registered"] = np.datetime_as_string(
        table["registered"].to_numpy().astype("datetime64[D]"), unit="D"
    )
    table["has_registry"] = np.any([presence[key][banten] for key in registry_sources], axis=0)
    table["has_oss"] = presence["oss"][banten]
    platforms = pd.Series("", index=table.index, dtype="str")
    for key in marketplace_sources:
        platforms = _add_tag(platforms, presence[key][banten], key)
    table["platforms"] = platforms
    table["source_count"] = np.sum([presence[key][banten] for key in presence], axis=0)
    write_csv(path, table)
