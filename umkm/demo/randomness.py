"""Seeded random helpers shared by the demo generator.

Every part of the generator draws from its own numpy Generator derived from
the run seed and a label (``child_rng(seed, "render", "tokopedia", day)``), so
one part consuming more random numbers never shifts another part's output.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def child_rng(seed: int, *labels: object) -> np.random.Generator:
    """A Generator determined by the seed and a path of labels."""
    words = [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *words])


def choose(
    rng: np.random.Generator,
    options: Sequence[Any],
    size: int,
    weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Draw `size` items from `options` (optionally weighted) as an object array."""
    values = np.empty(len(options), dtype=object)
    values[:] = list(options)
    probabilities = None
    if weights is not None:
        probabilities = np.asarray(weights, dtype=float)
        probabilities = probabilities / probabilities.sum()
    return values[rng.choice(len(options), size=size, p=probabilities)]


def choose_text(
    rng: np.random.Generator,
    options: Sequence[str],
    size: int,
    weights: Sequence[float] | None = None,
    index: pd.Index | None = None,
) -> pd.Series:
    """Like `choose`, returned as a str Series (optionally on a given index)."""
    return pd.Series(choose(rng, options, size, weights), index=index, dtype="str")


def digit_strings(rng: np.random.Generator, size: int, length: int) -> pd.Series:
    """`size` random strings of exactly `length` decimal digits (leading zeros allowed)."""
    parts = []
    remaining = length
    while remaining > 0:
        chunk = min(remaining, 9)
        numbers = pd.Series(rng.integers(0, 10**chunk, size=size))
        parts.append(numbers.astype("str").str.zfill(chunk))
        remaining -= chunk
    result = parts[0]
    for part in parts[1:]:
        result = result + part
    return result


def unique_digit_strings(
    rng: np.random.Generator,
    size: int,
    length: int,
    prefix: str = "",
    taken: set[str] | None = None,
) -> pd.Series:
    """`size` distinct digit strings starting with `prefix`, avoiding `taken`."""
    taken = set() if taken is None else taken
    body = length - len(prefix)
    values = prefix + digit_strings(rng, size, body)
    while True:
        clash = values.duplicated() | values.isin(taken)
        if not clash.any():
            return values.reset_index(drop=True)
        values[clash] = prefix + digit_strings(rng, int(clash.sum()), body).to_numpy()


def flags(rng: np.random.Generator, size: int, probability: float) -> np.ndarray:
    """Boolean array, each True with the given probability."""
    return rng.random(size) < probability


def rare_flags(
    rng: np.random.Generator, size: int, rate: float, at_least: int = 1, from_size: int = 20
) -> np.ndarray:
    """Like `flags`, but at least `at_least` Trues once there are `from_size` rows (rare faults show up)."""
    count = int(rng.binomial(size, rate)) if size else 0
    if size >= from_size:
        count = max(count, min(at_least, size))
    chosen = np.zeros(size, dtype=bool)
    chosen[rng.choice(size, size=count, replace=False)] = True
    return chosen
