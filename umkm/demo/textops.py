"""Fast conditional selection on pandas string Series.

`Series.mask`/`where` and boolean `__setitem__` cost far more per call than the
underlying Arrow kernel; the renderers call them thousands of times.  These
helpers run `pyarrow.compute.if_else` directly on the Arrow-backed `str` data
and fall back to pandas for anything else (other dtypes, unaligned indexes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow_text(values: object) -> pa.ChunkedArray | None:
    """The Arrow data of an Arrow-backed str Series (None if it is something else)."""
    if isinstance(values, pd.Series) and isinstance(values.array, pd.arrays.ArrowStringArray):
        return values.array.__arrow_array__()
    return None


def _choose(condition: np.ndarray, if_true: object, if_false: pd.Series) -> pd.Series:
    """Arrow if_else(condition, if_true, if_false) with if_false's index and dtype."""
    base = _arrow_text(if_false)
    assert base is not None  # callers check _usable first
    if isinstance(if_true, str):
        chosen = pa.scalar(if_true, type=base.type)
    else:
        chosen = _arrow_text(if_true)
    result = pc.if_else(pa.array(condition, type=pa.bool_()), chosen, base)
    return pd.Series(
        type(if_false.array)(result, dtype=if_false.dtype), index=if_false.index, name=if_false.name
    )


def _usable(values: pd.Series, other: object) -> bool:
    """Whether the Arrow path applies (both sides Arrow text, same index)."""
    if _arrow_text(values) is None:
        return False
    if isinstance(other, str):
        return True
    return (
        isinstance(other, pd.Series)
        and _arrow_text(other) is not None
        and (other.index is values.index or other.index.equals(values.index))
    )


def mask_text(values: pd.Series, condition: object, other: object) -> pd.Series:
    """`values.mask(condition, other)`, fast for str Series."""
    if not _usable(values, other):
        return values.mask(condition, other)
    condition = np.asarray(condition, dtype=bool)
    if not condition.any():
        return values
    return _choose(condition, other, values)


def where_text(values: pd.Series, condition: object, other: object) -> pd.Series:
    """`values.where(condition, other)`, fast for str Series."""
    return mask_text(values, ~np.asarray(condition, dtype=bool), other)


def select_text(
    style: np.ndarray,
    renderings: Mapping[str, Callable[[], pd.Series]],
    index: pd.Index,
    default: str = "",
) -> pd.Series:
    """Per row, the rendering named by `style` (only the styles present are computed)."""
    result = pd.Series(default, index=index, dtype="str")
    for name, render in renderings.items():
        chosen = style == name
        if chosen.any():
            result = mask_text(result, chosen, render())
    return result


def contains_pattern(values: pd.Series, pattern: str) -> np.ndarray:
    """Boolean array: which values match a (RE2-compatible) regex somewhere."""
    data = _arrow_text(values)
    if data is None:
        return values.str.contains(pattern, regex=True).to_numpy(dtype=bool)
    return pc.match_substring_regex(data, pattern).to_numpy(zero_copy_only=False).astype(bool)


def as_text(values: pd.Series) -> pd.Series:
    """The values as a str Series with blanks for missing (no copy when already so)."""
    if _arrow_text(values) is not None and not values.hasnans:
        return values
    return values.fillna("").astype("str")
