"""Summaries of the register for operators: where businesses sell online and where they are.

``platform_overlap``: per platform, how many businesses sell there, how many of them sell on
no other platform, on other platforms too, appear in a regional registry or hold a NIB.
``platform_pairs``: the platform pairs sharing most businesses (``tiktokshop`` sellers moved
into Tokopedia, so that pair is expected to stand out). ``businesses_per_kabupaten_kota``:
businesses, registered and online per kabupaten/kota. All take the golden records
(``umkm.resolution.golden.golden_records``).
"""

from __future__ import annotations

import pandas as pd

from schemas.curated import UNKNOWN_LABEL


def _platform_rows(golden: pd.DataFrame) -> pd.DataFrame:
    """One row per business and platform it sells on, with the columns the summaries count."""
    counted = ["umkm_id", "platform_count", "in_regional_registry", "is_registered"]
    platforms = golden["platforms"].fillna("").str.split(",")
    rows = golden[counted].assign(platform=platforms).explode("platform")
    return rows[rows["platform"].fillna("") != ""]


def platform_overlap(golden: pd.DataFrame) -> pd.DataFrame:
    """One row per platform, most businesses first."""
    rows = _platform_rows(golden)
    rows = rows.assign(
        only_this_platform=rows["platform_count"] == 1,
        also_other_platforms=rows["platform_count"] > 1,
    )
    table = (
        rows.groupby("platform")
        .agg(
            businesses=("umkm_id", "nunique"),
            only_this_platform=("only_this_platform", "sum"),
            also_other_platforms=("also_other_platforms", "sum"),
            in_regional_registry=("in_regional_registry", "sum"),
            with_nib=("is_registered", "sum"),
        )
        .astype("int64")
    )
    return table.sort_values(["businesses", "platform"], ascending=[False, True]).reset_index()


def platform_pairs(golden: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """The ``top`` platform pairs by businesses on both."""
    rows = _platform_rows(golden)[["umkm_id", "platform"]]
    pairs = rows.merge(rows, on="umkm_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["platform_a"] < pairs["platform_b"]]
    counts = (
        pairs.groupby(["platform_a", "platform_b"])
        .size()
        .rename("businesses")
        .reset_index()
        .sort_values(["businesses", "platform_a", "platform_b"], ascending=[False, True, True])
    )
    return counts.head(top).reset_index(drop=True)


def businesses_per_kabupaten_kota(golden: pd.DataFrame) -> pd.DataFrame:
    """Businesses, with a NIB and selling online, per kabupaten/kota (unknown last)."""
    frame = golden.assign(
        kab_code=golden["kab_code"].fillna(UNKNOWN_LABEL),
        kab_name=golden["kab_name"].fillna(UNKNOWN_LABEL),
    )
    table = (
        frame.groupby(["kab_code", "kab_name"])
        .agg(
            businesses=("umkm_id", "size"),
            with_nib=("is_registered", "sum"),
            selling_online=("sells_online", "sum"),
        )
        .astype("int64")
        .reset_index()
    )
    table["unknown"] = table["kab_code"] == UNKNOWN_LABEL
    table = table.sort_values(["unknown", "kab_code"]).drop(columns="unknown")
    return table.reset_index(drop=True)
