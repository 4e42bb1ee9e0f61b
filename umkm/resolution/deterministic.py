"""Deterministic links: records that share a NIB are one business, whatever else differs.

A NIB is issued once per business, so two records carrying the same valid NIB are linked with
certainty; the probabilistic model (``umkm.resolution.splink_model``) scores every other candidate pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def shared_key_links(records: pd.DataFrame, column: str = "nib") -> pd.DataFrame:
    """Links (left, right: record positions) between records sharing a value of ``column``:
    a star from the first record of each value to the others."""
    positions = pd.Series(np.arange(len(records)))
    values = records[column].reset_index(drop=True)
    present = values.notna()
    first = positions[present].groupby(values[present].to_numpy()).transform("first")
    linked = first != positions[present]
    return pd.DataFrame(
        {
            "left": first[linked].to_numpy(),
            "right": positions[present][linked].to_numpy(),
        }
    )
