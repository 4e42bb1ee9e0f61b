"""Run a column function on the distinct values only, then spread the result back.

Kabupaten names, kecamatan, postal codes, dates and amounts repeat thousands of times in a
snapshot; normalising each distinct value once and taking the results back by position is
vectorised (``pandas.factorize`` and ``take``) and many times faster than working on every row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

Result = TypeVar("Result", pd.Series, pd.DataFrame)


def on_distinct(func: Callable[..., Result]) -> Callable[..., Result]:
    """Decorate ``func(*columns) -> Series | DataFrame`` (row-aligned with its inputs) so that
    it runs once per distinct combination of its leading Series arguments. Further
    arguments are passed through unchanged."""

    @functools.wraps(func)
    def wrapper(*args: Any, **options: Any) -> Result:
        n_columns = next((i for i, a in enumerate(args) if not isinstance(a, pd.Series)), len(args))
        columns, rest = args[:n_columns], args[n_columns:]
        index = columns[0].index
        if len(columns) == 1:
            codes, uniques = pd.factorize(columns[0], use_na_sentinel=False)
            distinct = [pd.Series(uniques, dtype=columns[0].dtype)]
        else:
            keys = pd.MultiIndex.from_arrays([c.to_numpy() for c in columns])
            codes, uniques = keys.factorize()
            distinct = [
                pd.Series(uniques.get_level_values(i), dtype=c.dtype) for i, c in enumerate(columns)
            ]
        result = func(*distinct, *rest, **options).reset_index(drop=True).take(codes)
        result.index = index
        return result

    return wrapper
