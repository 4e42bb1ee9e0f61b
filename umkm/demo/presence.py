"""Which records exist: businesses placed into sources, with stable record keys.

For a batch of businesses `new_records` decides, source by source, whether the
business appears (its own kabupaten's registry ~55%, OSS when it has a NIB,
each platform at its own rate, TikTok Shop sellers mostly also on Tokopedia),
adds second registry records and second shops, and hands out record keys that
never change afterwards.  `mark_faulty_records` turns a few records into the
garbage the contract describes (no usable name, ragged R2 rows, repeated keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from umkm.demo.catalog import (
    CLOSED_PLATFORMS,
    SECOND_REGISTRY_RECORD,
    SECOND_SHOP,
    TIKTOK_SELLERS_ON_TOKOPEDIA,
    KeyFormat,
    SourceSpec,
)
from umkm.demo.randomness import flags, rare_flags

RECORD_COLUMNS = ("key", "business_idx", "shop_no", "kind", "removed", "created_day")
NO_USABLE_NAME_RATE = 0.003
RAGGED_R2_RATE = 0.004
DUPLICATE_KEY_RATE = 0.003
WIDE_LAZADA_ID_RATE = 0.03


@dataclass
class KeyBook:
    """Next free record number per source; keys grow with random gaps, never reused."""

    expected_records: dict[str, int]
    next_number: dict[str, int] = field(default_factory=dict)

    def numbers(
        self,
        rng: np.random.Generator,
        source: str,
        key_format: KeyFormat,
        count: int,
        shuffle: bool,
    ) -> np.ndarray:
        """`count` fresh record numbers for a source."""
        start = self.next_number.get(source, key_format.start)
        capacity = min(10**key_format.digits, np.iinfo(np.int64).max) - start
        gap = max(1, int(capacity / max(self.expected_records.get(source, 1), 1) / 4))
        steps = (
            rng.integers(1, 2 * gap + 1, size=count, dtype=np.int64)
            if gap > 1
            else np.ones(count, np.int64)
        )
        numbers = start + np.cumsum(steps)
        if count:
            self.next_number[source] = int(numbers[-1])
        return rng.permutation(numbers) if shuffle else numbers


def format_keys(key_format: KeyFormat, numbers: np.ndarray) -> pd.Series:
    """Record numbers as key text: `LBK-000123`, `36030000675`, `BHN-56278`, `881234`."""
    text = pd.Series(numbers).astype("str")
    if key_format.pad:
        text = text.str.zfill(key_format.digits)
    return key_format.prefix + text


def _initials(names: pd.Series) -> pd.Series:
    """Three upper-case letters from the first words of a name (`Golok Teh Yeni` -> `GTY`)."""
    letters = (
        names.str.upper()
        .str.replace(r"[^A-Z ]", "", regex=True)
        .str.extract(r"^ *([A-Z])[A-Z]* *([A-Z])?[A-Z]* *([A-Z])?")
    )
    letters = letters.fillna("X").astype("str")
    return letters[0] + letters[1] + letters[2]


def allocate_keys(
    rng: np.random.Generator,
    spec: SourceSpec,
    book: KeyBook,
    records: pd.DataFrame,
    population: pd.DataFrame,
    shuffle: bool,
) -> pd.Series:
    """Record keys for new records of one source."""
    count = len(records)
    if spec.key == "oss":
        return population["nib"].to_numpy()[records["business_idx"].to_numpy()]
    assert spec.key_format is not None  # every source but oss numbers its records
    numbers = book.numbers(rng, spec.key, spec.key_format, count, shuffle)
    keys = format_keys(spec.key_format, numbers)
    if spec.key == "blibli":
        names = population["name"].iloc[records["business_idx"].to_numpy()].reset_index(drop=True)
        keys = _initials(names) + keys
    if spec.key == "lazada":
        wide = flags(rng, count, WIDE_LAZADA_ID_RATE)
        wide_numbers = book.numbers(
            rng, "lazada_wide", KeyFormat("", 18, 10**17), int(wide.sum()), shuffle
        )
        keys[wide] = pd.Series(wide_numbers).astype("str").to_numpy()
    return keys.to_numpy()


def _presence_mask(
    rng: np.random.Generator, spec: SourceSpec, batch: pd.DataFrame, on_tiktok: np.ndarray, day: int
) -> np.ndarray:
    """Which businesses of the batch have a (first) record in the source."""
    size = len(batch)
    in_banten = batch["in_banten"].to_numpy()
    if spec.is_registry:
        return (
            in_banten
            & (batch["kab_code"].to_numpy() == spec.kab_code)
            & flags(rng, size, spec.presence)
        )
    if spec.key == "oss":
        return in_banten & (batch["nib"].to_numpy() != "") & flags(rng, size, spec.presence)
    if day > 0 and spec.key in CLOSED_PLATFORMS:
        return np.zeros(size, dtype=bool)
    if spec.key == "tiktokshop":
        return on_tiktok
    if spec.key == "tokopedia":
        share_tiktok = 0.12
        others = (spec.presence - share_tiktok * TIKTOK_SELLERS_ON_TOKOPEDIA) / (1 - share_tiktok)
        return rng.random(size) < np.where(on_tiktok, TIKTOK_SELLERS_ON_TOKOPEDIA, others)
    return flags(rng, size, spec.presence)


def new_records(
    rng: np.random.Generator,
    specs: list[SourceSpec],
    population: pd.DataFrame,
    batch_rows: np.ndarray,
    day: int,
) -> dict[str, pd.DataFrame]:
    """Records (business_idx, shop_no) per source for a batch of new businesses."""
    batch = population.iloc[batch_rows]
    on_tiktok = flags(rng, len(batch), 0.12)
    records = {}
    for spec in specs:
        present = _presence_mask(rng, spec, batch, on_tiktok, day)
        second_rate = (
            SECOND_REGISTRY_RECORD
            if spec.is_registry
            else SECOND_SHOP
            if spec.is_marketplace
            else 0.0
        )
        second = present & flags(rng, len(batch), second_rate)
        records[spec.key] = pd.DataFrame(
            {
                "business_idx": np.concatenate([batch_rows[present], batch_rows[second]]),
                "shop_no": np.concatenate(
                    [np.zeros(int(present.sum()), np.int8), np.ones(int(second.sum()), np.int8)]
                ),
            }
        )
    return records


def finish_records(
    rng: np.random.Generator,
    spec: SourceSpec,
    book: KeyBook,
    records: pd.DataFrame,
    population: pd.DataFrame,
    day: int,
) -> pd.DataFrame:
    """Shuffle new records into file order and give them keys and bookkeeping columns."""
    records = records.iloc[rng.permutation(len(records))].reset_index(drop=True)
    records["key"] = allocate_keys(rng, spec, book, records, population, shuffle=day == 0)
    records["kind"] = "normal"
    records["removed"] = False
    records["created_day"] = day
    return records[list(RECORD_COLUMNS)]


def mark_faulty_records(
    rng: np.random.Generator, spec: SourceSpec, records: pd.DataFrame, population: pd.DataFrame
) -> pd.DataFrame:
    """Turn a few records into garbage: no usable name, ragged R2 rows, repeated keys."""
    records = records.copy()
    in_banten = population["in_banten"].to_numpy()[records["business_idx"].to_numpy()]
    nameless = rare_flags(rng, len(records), NO_USABLE_NAME_RATE, from_size=100) & in_banten
    records.loc[nameless, "kind"] = "no_usable_name"
    if spec.fmt == "R2":
        ragged = rare_flags(rng, len(records), RAGGED_R2_RATE) & ~nameless
        records.loc[ragged, "kind"] = "malformed"
    if spec.fmt in ("R2", "BBI"):
        records = pd.concat([records, _repeated_keys(rng, records, population)], ignore_index=True)
    return records


def _repeated_keys(
    rng: np.random.Generator, records: pd.DataFrame, population: pd.DataFrame
) -> pd.DataFrame:
    """Extra records reusing an existing key: a re-entry of the same business or a clash with another."""
    normal = records.index[records["kind"].to_numpy() == "normal"].to_numpy()
    count = int(rare_flags(rng, len(normal), DUPLICATE_KEY_RATE, from_size=50).sum())
    originals = (
        records.loc[rng.choice(normal, size=count, replace=False)] if count else records.iloc[:0]
    )
    copies = originals.copy()
    other_business = (
        records["business_idx"].to_numpy()[rng.choice(normal, size=count)]
        if count
        else np.zeros(0, np.int64)
    )
    clash = flags(rng, count, 0.5) & population["in_banten"].to_numpy()[other_business]
    copies.loc[clash, "business_idx"] = other_business[clash]
    copies["shop_no"] = 0
    copies["kind"] = "duplicate_key"
    return copies
