"""The match model on the hard cases of the landing contract (section 6): spelling variants,
shop slugs, typos, generic names, a shared family phone and one owner with two businesses."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from schemas.catalog import SOURCES
from umkm.ingest.landing import complete_deliveries
from umkm.ingest.snapshots import load_source_snapshot
from umkm.publish.assemble import combine_snapshots
from umkm.resolution import scoring, splink_model
from umkm.resolution.match_input import prepare_input
from umkm.resolution.resolve import resolve_entities
from umkm.standardise.names import (
    display_business_name,
    normalise_business_name,
    normalise_owner_name,
)


def test_match_input_derives_slug_core_and_address_key():
    records = _records(
        [
            {"business_name": "Kedai Sumber Rejeki Putra", "shop_slug": "kedaisumberrejekiputra2"},
            {
                "business_name": "Sumber Rejeki",
                "shop_slug": "sumberrejekistore",
                "address": "Perum. Pamulang Permai Blok A11 No. 205 RT.02/RW.01",
            },
            {"business_name": "Sumber Rejeki", "address": "Perumahan Pamulang Permai A11/205"},
            {"business_name": "Sumber Rejeki", "address": "Kp. Pasir Kupa, Kel. Masigit"},
        ]
    )
    con = duckdb.connect()
    prepare_input(con, records)
    rows = con.execute(
        "SELECT slug_core, address_key, address_block FROM match_input ORDER BY unique_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["sumberrejekiputra", "sumberrejeki", None, None]
    kinds = con.execute("SELECT shop_kinds FROM match_input ORDER BY unique_id").fetchall()
    assert [k[0] for k in kinds] == [["kedai"], None, None, None]
    assert rows[1][1] == rows[2][1] == "205 a11 pamulang permai"
    assert rows[3][1] == "kupa pasir" and rows[3][2] is None  # no house number: no blocking


@pytest.fixture(scope="module")
def demo_records(small_landing) -> pd.DataFrame:
    """The first night's accepted records of the small generated landing zone."""
    deliveries = complete_deliveries(small_landing)
    return combine_snapshots([load_source_snapshot(deliveries, s) for s in SOURCES]).records


@pytest.fixture(scope="module")
def trained(demo_records) -> splink_model.TrainedModel:
    con = duckdb.connect()
    frequencies = prepare_input(con, demo_records)
    return splink_model.train(con, len(demo_records), frequencies)


HARD_CASES = [
    # 0-2: one business: a registry record, a Shopee shop with typos and a slug, word order
    {
        "source": "registry_3674",
        "business_name": "Kerupuk Bunda Fatimah",
        "owner_name": "Hj. Fatimah Nasyiah",
        "phone": "+6281234500001",
        "kab_code": "3674",
        "kecamatan_code": "367403",
        "address": "Jl. Sudirman No. 26",
    },
    {
        "source": "shopee",
        "business_name": "kerupuk bunda faeimah",
        "shop_slug": "kerupukbundafatimah77",
        "kab_code": "3674",
    },
    {
        "source": "bukalapak",
        "business_name": "Bunda Fatimah Kerupuk",
        "owner_name": "Fatimah N",
        "phone": "+6281234500001",
        "kab_code": "3674",
        "kecamatan_code": "367403",
        "address": "JL. SUDIRMAN NO. 26 RT 07/09",
    },
    # 3-4: two different 'Toko Berkah' in other kecamatans, other owners: generic name
    {
        "source": "registry_3603",
        "business_name": "Toko Berkah",
        "owner_name": "Siti Aminah",
        "kab_code": "3603",
        "kecamatan_code": "360303",
        "address": "Gg. Melati No. 3",
    },
    {
        "source": "tokopedia",
        "business_name": "Berkah",
        "owner_name": "Joko Susilo",
        "kab_code": "3603",
        "kecamatan_code": "360320",
        "phone": "+6281234500002",
    },
    # 5-6: a family phone shared by two different businesses
    {
        "source": "registry_3601",
        "business_name": "Catering Cak Wahyu",
        "owner_name": "Wahyu Ramadhan",
        "phone": "+6281234500003",
        "kab_code": "3601",
        "kecamatan_code": "360129",
    },
    {
        "source": "lazada",
        "business_name": "Bintang Elektronik",
        "owner_name": "Sholeh Ramadhan",
        "phone": "+6281234500003",
        "kab_code": "3601",
    },
    # 7-8: one owner (one NIK) with two distinct businesses
    {
        "source": "registry_3671",
        "business_name": "Batik Rizka",
        "owner_name": "Rizka Herawati",
        "nik": "3671014506850001",
        "kab_code": "3671",
        "kecamatan_code": "367111",
    },
    {
        "source": "registry_3671",
        "business_name": "Roti Abadi",
        "owner_name": "Rizka Herawati",
        "nik": "3671014506850001",
        "kab_code": "3671",
        "kecamatan_code": "367112",
    },
]


@pytest.mark.slow
def test_hard_cases_of_the_landing_contract(demo_records, trained):
    cases = _records(HARD_CASES)
    records = pd.concat([demo_records, cases], ignore_index=True)
    resolution = resolve_entities(records, trained)
    cluster = resolution.records["cluster"].to_numpy()[len(demo_records) :]
    assert cluster[0] == cluster[1] == cluster[2], "typos, slug and word order: one business"
    assert cluster[3] != cluster[4], "a generic name alone does not make one business"
    assert cluster[5] != cluster[6], "a shared family phone does not make one business"
    assert cluster[7] != cluster[8], "one owner's two businesses stay two"
    links = resolution.links.set_index(
        ["left_source", "left_source_record_id", "right_source", "right_source_record_id"]
    )
    assert links["probability"].notna().all()


def _records(rows: list[dict]) -> pd.DataFrame:
    """Canonical records from a few fields (the rest unknown)."""
    frame = pd.DataFrame(rows)
    columns = [
        "source",
        "business_name",
        "owner_name",
        "shop_slug",
        "phone",
        "nik",
        "nib",
        "npwp",
        "email",
        "address",
        "kab_code",
        "kecamatan_code",
        "postal_code",
    ]
    frame = frame.reindex(columns=columns).astype(object).where(lambda f: f.notna(), None)
    frame["source"] = frame["source"].fillna("shopee")
    return pd.DataFrame(
        {
            "source": frame["source"],
            "source_record_id": [f"hard-{i}" for i in range(len(frame))],
            "business_name": display_business_name(frame["business_name"]),
            "business_name_norm": normalise_business_name(frame["business_name"]),
            "owner_name_norm": normalise_owner_name(frame["owner_name"]),
            "shop_slug": frame["shop_slug"],
            "phone_e164": frame["phone"],
            "email": frame["email"],
            "nib": frame["nib"],
            "npwp": frame["npwp"],
            "nik": frame["nik"],
            "address": frame["address"],
            "kab_code": frame["kab_code"],
            "kecamatan_code": frame["kecamatan_code"],
            "postal_code": frame["postal_code"],
        }
    )


def test_continuity_links_chain_the_records_of_each_previous_business():
    from umkm.resolution.resolve import continuity_links

    records = pd.DataFrame(
        {
            "source": ["oss", "shopee", "lazada", "oss", "tokopedia"],
            "source_record_id": ["1", "2", "3", "4", "5"],
        }
    )
    previous = pd.DataFrame(
        {
            "source": ["lazada", "oss", "shopee", "oss", "blibli"],
            "source_record_id": ["3", "1", "2", "4", "9"],
            "umkm_id": ["U1", "U1", "U1", "U2", "U2"],
        }
    )
    links = continuity_links(records, previous)
    assert sorted(zip(links["left"], links["right"])) == [(0, 1), (1, 2)]
    assert continuity_links(records, None).empty


@pytest.mark.slow
def test_the_previous_run_s_businesses_come_back_the_same(demo_records, trained):
    first = resolve_entities(demo_records, trained)
    published = first.records[["source", "source_record_id"]].assign(
        umkm_id="U" + first.records["cluster"].astype(str)
    )
    again = resolve_entities(demo_records, trained, previous_ids=published)
    pairs = pd.crosstab(first.records["cluster"], again.records["cluster"])
    assert ((pairs > 0).sum(axis=1) == 1).all() and ((pairs > 0).sum(axis=0) == 1).all()
    assert again.figures["continuity_links"] > 0


def test_a_record_held_only_by_the_previous_run_says_so():
    from umkm.resolution.resolve import _confidence

    inside = pd.DataFrame({"left": [0], "right": [1], "probability": [0.9]})
    frame = _confidence(inside, np.array([0, 0, 0, 1]))
    assert frame["match_rule"].tolist() == [
        "probabilistic",
        "probabilistic",
        "previous run",
        "singleton",
    ]


@pytest.mark.slow
def test_names_of_other_kinds_of_shop_weigh_against_one_business(demo_records, trained):
    """'Toko Sumber Rejeki' and 'Warung Sumber Rejeki' of one kecamatan, nothing else known,
    score lower than the toko against 'Tk. Sumber Rejeki' or a name without a shop word."""
    place = {"kab_code": "3674", "kecamatan_code": "367403"}
    cases = _records(
        [
            {"business_name": "Toko Sumber Rejeki", **place},
            {"business_name": "Warung Sumber Rejeki", "source": "tokopedia", **place},
            {"business_name": "Tk. Sumber Rejeki", "source": "lazada", **place},
            {"business_name": "Sumber Rejeki", "source": "bukalapak", **place},
        ]
    )
    con = duckdb.connect()
    prepare_input(con, pd.concat([demo_records, cases], ignore_index=True), trained.frequencies)
    first = len(demo_records)
    con.execute(
        f"CREATE TABLE pairs AS SELECT {first} + l AS unique_id_l, {first} + r AS unique_id_r "
        "FROM (VALUES (0, 1), (0, 2), (0, 3)) t(l, r)"
    )
    scoring.score_pairs(con, trained.model_json, "pairs", link_threshold=0.0)
    scored = con.execute(
        "SELECT unique_id_r, match_probability, gamma_shop_kinds FROM scored_links ORDER BY 1"
    ).fetchall()
    (_, other_kind, differ), (_, same_kind, agree), (_, no_kind, unknown) = scored
    assert (differ, agree, unknown) == (0, 1, -1)
    assert other_kind < same_kind and other_kind < no_kind
