"""Clustering without chaining: constraints, weak bridges, constrained merging."""

from __future__ import annotations

import numpy as np
import pandas as pd

from umkm.resolution.clustering import cluster_records


def _attrs(rows):
    frame = pd.DataFrame(rows, columns=["source", "nib", "business_name_norm", "owner_name_norm"])
    frame["is_registry"] = frame["source"].str.startswith("registry_")
    return frame


def _links(pairs):
    return pd.DataFrame(pairs, columns=["left", "right", "probability"])


def _same(labels, *positions):
    return len({labels[p] for p in positions}) == 1


def test_links_above_threshold_form_clusters():
    attrs = _attrs(
        [
            ("oss", "1111111111111", "a", "x"),
            ("shopee", None, "a", None),
            ("tokopedia", None, "b", None),
        ]
    )
    result = cluster_records(attrs, _links([(0, 1, 0.99), (1, 2, 0.3)]), threshold=0.9)
    assert _same(result.labels, 0, 1) and not _same(result.labels, 1, 2)


def test_two_nibs_never_share_a_cluster_even_through_a_path():
    # 0 and 2 have different NIBs; 1 links to both (a shared family phone)
    attrs = _attrs(
        [
            ("oss", "1111111111111", "warung berkah", "ani"),
            ("shopee", None, "warung berkah", None),
            ("oss", "2222222222222", "berkah laundry", "budi"),
        ]
    )
    result = cluster_records(attrs, _links([(0, 1, 0.999), (1, 2, 0.95)]), threshold=0.9)
    assert not _same(result.labels, 0, 2)
    assert _same(result.labels, 0, 1)  # the more probable link wins
    assert result.dropped["constrained_merge"] == 1


def test_direct_link_between_different_nibs_is_dropped():
    attrs = _attrs([("oss", "1111111111111", "a", "x"), ("oss", "2222222222222", "a", "x")])
    result = cluster_records(attrs, _links([(0, 1, 0.999)]), threshold=0.9)
    assert not _same(result.labels, 0, 1) and result.dropped["cannot_link"] == 1


def test_same_registry_different_name_and_owner_stay_apart():
    attrs = _attrs(
        [
            ("registry_3603", None, "toko berkah", "siti"),
            ("registry_3603", None, "toko berkah", "siti aminah"),
            ("registry_3603", None, "kedai kopi", "joko"),
        ]
    )
    links = _links([(0, 1, 0.97), (0, 2, 0.95)])
    result = cluster_records(attrs, links, threshold=0.9)
    assert _same(result.labels, 0, 1)  # a registry may list a business twice
    assert not _same(result.labels, 0, 2)


def test_a_single_weak_thread_between_two_groups_is_cut():
    # two businesses of 3 records each, joined by one family-phone link
    attrs = _attrs(
        [("shopee", None, "bakso", None)] * 3 + [("tokopedia", None, "laundry", None)] * 3
    )
    links = _links(
        [
            (0, 1, 0.99),
            (1, 2, 0.99),
            (0, 2, 0.99),
            (3, 4, 0.99),
            (4, 5, 0.99),
            (3, 5, 0.99),
            (2, 3, 0.93),
        ]
    )
    result = cluster_records(attrs, links, threshold=0.9)
    assert _same(result.labels, 0, 1, 2) and _same(result.labels, 3, 4, 5)
    assert not _same(result.labels, 0, 3)
    assert result.dropped["weak_bridge"] == 1


def test_a_near_certain_link_is_never_a_weak_bridge():
    attrs = _attrs([("shopee", None, "bakso", None)] * 4)
    links = _links([(0, 1, 0.99), (2, 3, 0.99), (1, 2, 0.9999)])
    result = cluster_records(attrs, links, threshold=0.9)
    assert len(np.unique(result.labels)) == 1


def test_pairs_scored_apart_never_share_a_cluster_through_a_sparse_record():
    # two 'mutiara' shops of one kabupaten, joined by a third 'mutiara' with no kecamatan;
    # the model scored the first two as different businesses
    attrs = _attrs(
        [
            ("registry_3603", None, "mutiara", "hasanah"),
            ("shopee", None, "mutiara", None),
            ("tokopedia", None, "mutiara", None),
            ("registry_3603", None, "mutiara", "nur fitriani"),
        ]
    )
    links = _links([(0, 1, 0.9), (1, 2, 0.7), (2, 3, 0.8)])
    apart = pd.DataFrame({"left": [0], "right": [3]})
    # (strong_probability 0.5: no link here counts as a weak bridge, so only 'apart' acts)
    result = cluster_records(attrs, links, threshold=0.5, strong_probability=0.5, apart=apart)
    assert not _same(result.labels, 0, 3)
    assert _same(result.labels, 0, 1) and _same(result.labels, 2, 3)
    assert result.dropped["constrained_merge"] == 1
    # without the model's verdict the chain joins all four
    plain = cluster_records(attrs, links, threshold=0.5, strong_probability=0.5)
    assert _same(plain.labels, 0, 1, 2, 3)


def test_one_registry_listing_a_business_twice_with_typos_is_not_a_conflict():
    attrs = _attrs(
        [
            ("registry_3603", None, "sederhana", "rahmat engkos sihotang"),
            ("registry_3603", None, "sedekhana", "rahmat"),
            ("registry_3603", None, "jamu rohman", "rohman"),
            ("registry_3603", None, "bengkel las", "siti"),
        ]
    )
    links = _links([(0, 1, 0.95), (2, 3, 0.95)])
    result = cluster_records(attrs, links, threshold=0.9)
    assert _same(result.labels, 0, 1)  # a typo and a shorter owner name are the same names
    assert not _same(result.labels, 2, 3) and result.dropped["cannot_link"] == 1


def test_a_record_without_a_place_does_not_join_shops_of_two_kabupaten():
    attrs = _attrs(
        [
            ("tokopedia", None, "sepatu murah", None),
            ("lazada", None, "sepatu murah", None),
            ("shopee", None, "sepatu murah", None),
        ]
    )
    attrs["kab_code"] = ["3602", None, "3674"]
    attrs["kecamatan_code"] = ["360206", None, None]
    result = cluster_records(
        attrs, _links([(0, 1, 0.8), (1, 2, 0.7)]), threshold=0.5, strong_probability=0.5
    )
    assert not _same(result.labels, 0, 2)
    assert _same(result.labels, 0, 1)  # the more probable link wins


def test_names_with_nothing_alike_never_share_a_cluster():
    # one owner's first name links three shops of one kecamatan; the names tell them apart
    attrs = _attrs(
        [
            ("registry_3674", None, "bibit tanaman mak putri", "putri"),
            ("tokopedia", None, "bibit tanaman mak putri", "putri s"),
            ("shopee", None, "laundry kilat", "putri"),
        ]
    )
    links = _links([(0, 1, 0.95), (1, 2, 0.6)])
    result = cluster_records(attrs, links, threshold=0.5, strong_probability=0.5)
    assert _same(result.labels, 0, 1) and not _same(result.labels, 1, 2)


def test_two_phones_and_two_owners_are_two_businesses_of_one_name():
    # two 'kopi bubuk teluknaga' of one kecamatan, each with its own phone and owner, joined
    # by a Lazada listing that has neither
    attrs = _attrs(
        [
            ("tokopedia", None, "kopi bubuk teluknaga", "winda fitriani"),
            ("lazada", None, "kopi bubuk teluknaga", None),
            ("tiktokshop", None, "kopi bubuk teluknaga", "teti ida rahayu"),
            ("shopee", None, "kopi bubuk teluknaga", "w fitriani"),
        ]
    )
    attrs["phone_e164"] = ["+628985120748", None, "+6281262903335", "+6281111111111"]
    links = _links([(0, 1, 0.9), (1, 2, 0.8), (0, 3, 0.7)])
    result = cluster_records(attrs, links, threshold=0.5, strong_probability=0.5)
    assert not _same(result.labels, 0, 2)
    assert _same(result.labels, 0, 1, 3)  # another phone of the same owner is no conflict


def _attach(
    pairs: list[tuple[int, int, float]],
    labels: list[int],
    attrs=None,
    steward=None,
    apart=None,
    held=None,
    fresh=None,
):
    """``_attach_singletons`` over scored pairs (l < r, probability) and clustering labels."""
    import duckdb

    from umkm.resolution.resolve import ATTACH_THRESHOLD, _attach_singletons
    from umkm.resolution.stewardship import no_constraints

    n = len(labels)
    attrs = (
        attrs
        if attrs is not None
        else pd.DataFrame(
            {
                "nib": [None] * n,
                "kab_code": ["3603"] * n,
                "kecamatan_code": ["360301"] * n,
                "source": ["shopee"] * n,
                "business_name_norm": ["otak otak khas pondok aren"] * n,
                "owner_name_norm": [None] * n,
                "phone_e164": [None] * n,
                "is_registry": [False] * n,
            }
        )
    )
    con = duckdb.connect()
    con.register(
        "scored", pd.DataFrame(pairs, columns=["unique_id_l", "unique_id_r", "match_probability"])
    )
    con.execute("CREATE TABLE scored_probabilities AS SELECT * FROM scored")
    none = pd.DataFrame({"left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)})
    return _attach_singletons(
        con,
        attrs,
        np.array(labels),
        steward or no_constraints(),
        none if apart is None else apart,
        ATTACH_THRESHOLD,
        held=None if held is None else np.array(held),
        fresh=None if fresh is None else np.array(fresh),
    )


def test_a_record_left_alone_joins_the_business_of_its_most_probable_partner():
    # records 0-1 and 2-3 are two businesses; 4 is alone and likelier with 2 than with 0;
    # 5 is alone with a partner below the threshold
    labels, attached = _attach([(0, 4, 0.08), (2, 4, 0.15), (0, 5, 0.01)], [0, 0, 1, 1, 2, 3])
    assert labels[4] == labels[2] != labels[0]
    assert labels[5] not in (labels[0], labels[2], labels[4])
    assert attached[["left", "right"]].values.tolist() == [[4, 2]]


def test_a_record_alone_last_night_and_unchanged_joins_only_a_new_or_changed_partner():
    # 4 and 5 were alone last night and did not change; 4's best partner 2 did not change
    # either (the same evidence as last night: 4 stays alone), 5's best partner 3 is new
    labels, attached = _attach(
        [(2, 4, 0.15), (3, 5, 0.15)],
        [0, 0, 1, 1, 2, 3],
        held=[False, False, False, False, True, True],
        fresh=[False, False, False, True, False, False],
    )
    assert labels[4] not in (labels[0], labels[2], labels[5])
    assert labels[5] == labels[3]
    assert attached[["left", "right"]].values.tolist() == [[5, 3]]


def test_records_alone_join_only_their_mutual_partner_so_nothing_chains():
    # 0, 1, 2 are alone: 1's best is 0 and 0's best is 1 (they join); 2's best is 1, whose
    # best is 0: 2 stays alone rather than chain onto them
    labels, _ = _attach([(0, 1, 0.18), (1, 2, 0.12)], [0, 1, 2])
    assert labels[0] == labels[1] != labels[2]


def test_a_record_kept_from_any_record_of_the_business_stays_alone():
    # 2 is likeliest with 0, but another kecamatan than 1 (the same business as 0); 3 is
    # likeliest with 0 but scored as another business than 1; 4 is detached by a steward
    attrs = pd.DataFrame(
        {
            "nib": [None] * 5,
            "kab_code": ["3603"] * 5,
            "kecamatan_code": ["360301", "360301", "360302", "360301", "360301"],
            "source": ["shopee"] * 5,
            "business_name_norm": ["toko berkah"] * 5,
            "owner_name_norm": [None] * 5,
            "phone_e164": [None] * 5,
            "is_registry": [False] * 5,
        }
    )
    from umkm.resolution.stewardship import no_constraints

    steward = no_constraints()
    steward.detached = np.array([4])
    labels, attached = _attach(
        [(0, 2, 0.5), (0, 3, 0.5), (1, 3, 0.001), (0, 4, 0.5)],
        [0, 0, 1, 2, 3],
        attrs=attrs,
        steward=steward,
    )
    assert len(set(labels[[0, 2, 3, 4]])) == 4 and labels[0] == labels[1]
    assert attached.empty


def test_since_last_night_tells_new_changed_and_formerly_alone_records():
    from umkm.resolution.resolve import _since_last_night

    records = pd.DataFrame(
        {"source": ["oss", "oss", "oss", "shopee"], "source_record_id": ["1", "2", "3", "9"]}
    )
    tonight = pd.Series(["h1", "h2-changed", "h3", "h9"])
    previous_ids = pd.DataFrame(
        {
            "source": ["oss", "oss", "oss"],
            "source_record_id": ["1", "2", "3"],
            "umkm_id": ["UA", "UB", "UB"],
        }
    )
    hashes = previous_ids[["source", "source_record_id"]].assign(match_hash=["h1", "h2", "h3"])
    fresh, alone = _since_last_night(records, tonight, previous_ids, hashes)
    assert fresh.tolist() == [False, True, False, True]  # 2 changed, shopee:9 is new
    assert alone.tolist() == [True, False, False, False]
    fresh, alone = _since_last_night(records, tonight, None, None)
    assert fresh.all() and not alone.any()  # the first night: everything is new
