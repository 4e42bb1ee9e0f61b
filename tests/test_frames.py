"""``umkm.frames.isin`` answers as pandas' ``isin`` does, on text, numbers and missing values."""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from umkm.frames import isin

texts = st.lists(st.one_of(st.none(), st.text(max_size=3)), max_size=30)
numbers = st.lists(st.integers(-3, 3), max_size=30)


@given(texts, texts, st.sampled_from(["str", "object"]), st.booleans())
def test_text_as_pandas_answers(values, among, dtype, as_set):
    series = pd.Series(values, dtype=dtype)
    asked = set(among) if as_set else pd.Series(among, dtype="object")
    expected = series.isin(asked).to_numpy(dtype=bool) & series.notna().to_numpy()
    assert np.array_equal(isin(series, asked), expected)


@given(numbers, st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=1)), max_size=10))
def test_numbers_and_other_kinds_as_pandas_answers(values, among):
    series = pd.Series(values, dtype="int64")
    assert np.array_equal(isin(series, among), series.isin(among).to_numpy(dtype=bool))
