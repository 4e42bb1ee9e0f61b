"""Golden records: each attribute from the business's first record with a value in
survivorship order, checked against a plain reference (a sort and a drop of duplicates per
attribute) on drawn records, ties of trust and age included."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from umkm.duckdb_settings import DuckDBSettings
from umkm.resolution.golden import (
    PROVENANCE_SUFFIX,
    SURVIVING_FIELDS,
    golden_records,
    survivorship_priority,
)

#: sources of every kind, two marketplaces of one trust rank among them
SOURCE_KEYS = ["oss", "registry_3671", "registry_3603", "tokopedia", "shopee", "grabmart"]
DATES = pd.to_datetime(["2026-11-24", "2026-11-25", "2026-11-26"])
#: the record fields drawn as text: every surviving field but the flag, amount and date
TEXT_FIELDS = sorted(
    {field for field, _ in SURVIVING_FIELDS.values()}
    - {"is_active", "turnover_yearly", "registered_on"}
)


@st.composite
def linked_records(draw) -> pd.DataFrame:
    """Records of a few businesses: sources, snapshot dates and record keys that tie often,
    every attribute missing now and then."""
    n = draw(st.integers(1, 40))

    def each(values):
        return st.lists(st.sampled_from(values), min_size=n, max_size=n)

    def column(values):
        """n values, each missing or one of ``values`` (one draw per column, not per cell)."""
        return draw(st.lists(st.none() | st.sampled_from(values), min_size=n, max_size=n))

    frame = pd.DataFrame(
        {
            "umkm_id": draw(each(["U1", "U2", "U3", "U4"])),
            "source": draw(each(SOURCE_KEYS)),
            "source_record_id": draw(each(["1", "2", "10", "a"])),
            "snapshot_date": draw(each(list(DATES))),
            **{field: column(["x", "y", "z"]) for field in TEXT_FIELDS},
            "is_active": pd.array(column([True, False]), dtype="boolean"),
            "turnover_yearly": pd.array(column([1e6, 5e9, 2e10]), dtype="Float64"),
            "registered_on": pd.to_datetime(column(list(DATES))),
        }
    )
    frame["platform"] = frame["source"].map({"tokopedia": "Tokopedia", "shopee": "Shopee"})
    frame["platform"] = frame["platform"].where(frame["platform"].notna(), None)
    for field in TEXT_FIELDS:
        frame[field] = frame[field].astype("str").where(frame[field].notna(), None)
    return frame.drop_duplicates(["source", "source_record_id"], ignore_index=True)


def in_survivorship_order(records: pd.DataFrame) -> pd.DataFrame:
    """The records sorted by the letter of the rule: business, priority, source, record key."""
    return records.assign(priority=survivorship_priority(records)).sort_values(
        ["umkm_id", "priority", "source", "source_record_id"]
    )


def reference(ranked: pd.DataFrame, name: str) -> pd.DataFrame:
    """The attribute ``name`` per business by the letter of the rule: of the records in
    survivorship order (``in_survivorship_order``), the first with a value (of the kind of
    source the attribute comes from)."""
    field, kind = SURVIVING_FIELDS[name]
    kinds = ranked["source"].map(
        {"oss": "oss", "registry_3671": "registry", "registry_3603": "registry"}
    )
    usable = ranked[ranked[field].notna() & ((kinds == kind) if kind else True)]
    return usable.drop_duplicates("umkm_id").set_index("umkm_id")[
        [field, "source", "source_record_id"]
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_records())
def test_every_attribute_comes_from_the_first_record_with_a_value(records):
    golden = golden_records(records, DuckDBSettings("1GB", threads=1)).set_index("umkm_id")
    assert list(golden.index) == sorted(records["umkm_id"].unique())
    ranked = in_survivorship_order(records)
    for name in SURVIVING_FIELDS:
        expected = reference(ranked, name).reindex(golden.index)
        got = golden[[name, f"{name}{PROVENANCE_SUFFIX}_source", f"{name}{PROVENANCE_SUFFIX}_id"]]
        for column, want in zip(got.columns, expected.columns, strict=True):
            left, right = got[column], expected[want]
            if name in ("registered_on", "nib_issued_on") and column == name:
                right = right.dt.date
                left = left.astype(object)
            missing = left.isna().to_numpy() & right.isna().to_numpy()
            if column == "size_class":  # a business without one gets it from its turnover
                missing |= right.isna().to_numpy()
            assert (missing | (left == right).fillna(False).to_numpy(bool)).all(), (name, column)


@settings(max_examples=30, deadline=None)
@given(linked_records())
def test_the_aggregates_count_every_record_of_the_business(records):
    golden = golden_records(records, DuckDBSettings("1GB", threads=1)).set_index("umkm_id")
    per_business = records.groupby("umkm_id")
    assert (golden["source_record_count"] == per_business.size()).all()
    assert (
        golden["sources"] == per_business["source"].agg(lambda s: ",".join(sorted(set(s))))
    ).all()
    platforms = per_business["platform"].agg(lambda s: ",".join(sorted(set(s.dropna()))))
    assert (golden["platforms"] == platforms).all()
    assert (golden["last_seen"].astype(object) == per_business["snapshot_date"].max().dt.date).all()
    assert np.array_equal(golden["in_oss"], per_business["source"].agg(lambda s: "oss" in set(s)))
