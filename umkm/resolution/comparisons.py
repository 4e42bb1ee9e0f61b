"""The comparisons of the probabilistic match model (Splink 5) for Indonesian business records,
the settings they make, and their fingerprint.

Business names are compared on the normalised name (legal forms, shop words and decoration
already removed), on the sorted token set (word order), on token overlap and Jaro-Winkler
(typos), and against the shop's URL slug, with term-frequency adjustment so that generic
names (``berkah``, ``barokah``) weigh little; owner names after honorifics and degrees are
gone, with an initial-and-surname level; phone, e-mail, NIB, NPWP and NIK exact with
term-frequency adjustment (a family phone shared by several businesses weighs less);
kabupaten/kota, kecamatan and postal code together as one location comparison; the kinds of
shop the names say they are (``Toko`` and ``Warung`` of one name are two businesses); whether
both records come from one source. The features
compared are made in ``umkm.resolution.match_input``. ``structure_fingerprint`` hashes the
comparisons with the blocking rules of ``umkm.resolution.blocking``: a model trained under
other ones is retrained (``umkm.resolution.splink_model``).
"""

from __future__ import annotations

import hashlib
import json

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator
from splink.internals.comparison_creator import ComparisonCreator

from umkm.resolution import blocking
from umkm.resolution.match_input import NAME_PLACE


def _overlap(column: str) -> str:
    return (
        f"len(list_intersect({column}_l, {column}_r)) / "
        f"greatest(len(list_distinct(list_concat({column}_l, {column}_r))), 1)"
    )


_SHARE_RARE_WORD = "len(list_intersect(name_rare_tokens_l, name_rare_tokens_r)) > 0"
_NAME_JW = "jaro_winkler_similarity(business_name_norm_l, business_name_norm_r)"
#: the two names written without spaces, and each shop slug, as the other's name or slug
_SAME_SLUG = (
    "slug_core_l = slug_core_r OR slug_core_l = name_compact_r OR name_compact_l = slug_core_r"
)


def _few_typos(left: str, right: str) -> str:
    """One edit apart in a name of 6 letters or more, two in a name of 12 or more."""
    distance = f"damerau_levenshtein({left}, {right})"
    shorter = f"least(len({left}), len({right}))"
    return (
        f"(abs(len({left}) - len({right})) <= 2 AND "
        f"({distance} <= 1 AND {shorter} >= 6 OR {distance} <= 2 AND {shorter} >= 12))"
    )


def _business_name() -> cl.CustomComparison:
    typos = " OR ".join(
        _few_typos(a, b)
        for a, b in (
            ("name_compact_l", "name_compact_r"),
            ("slug_core_l", "name_compact_r"),
            ("name_compact_l", "slug_core_r"),
            ("slug_core_l", "slug_core_r"),
        )
    )
    return cl.CustomComparison(
        output_column_name="business_name",
        comparison_levels=[
            cll.NullLevel("business_name_norm"),
            cll.ExactMatchLevel("name_sorted").configure(
                tf_adjustment_column=NAME_PLACE,
                disable_tf_exact_match_detection=True,
                label_for_charts="same words",
            ),
            cll.CustomLevel(_SAME_SLUG).configure(
                tf_adjustment_column=NAME_PLACE,
                disable_tf_exact_match_detection=True,
                label_for_charts="name or slug equals the other's slug",
            ),
            cll.CustomLevel(typos).configure(
                tf_adjustment_column=NAME_PLACE,
                disable_tf_exact_match_detection=True,
                label_for_charts="the same name but for a typo or two",
            ),
            cll.CustomLevel(
                f"{_SHARE_RARE_WORD} AND {_overlap('name_tokens')} >= 0.5",
                label_for_charts="a distinctive word and half the words shared",
            ),
            cll.CustomLevel(
                f"{_SHARE_RARE_WORD} OR {_overlap('name_tokens')} >= 0.5",
                label_for_charts="some words shared",
            ),
            cll.CustomLevel(
                f"{_overlap('name_tokens')} > 0 OR {_NAME_JW} >= 0.8",
                label_for_charts="some likeness",
            ),
            cll.ElseLevel(),
        ],
    )


def _address() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address_key"),
            cll.ExactMatchLevel("address_key", term_frequency_adjustments=True),
            cll.CustomLevel(
                "jaro_winkler_similarity(address_key_l, address_key_r) >= 0.92",
                label_for_charts="the same street and number but for a typo",
            ),
            cll.ElseLevel(),
        ],
    )


def _owner_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="owner_name",
        comparison_levels=[
            cll.NullLevel("owner_name_norm"),
            # a registry that writes only the given name ('lukman') writes it alike for
            # other owners of that name: one word matching weighs what it is shown to weigh
            cll.CustomLevel(
                "owner_name_norm_l = owner_name_norm_r AND NOT contains(owner_name_norm_l, ' ')"
            ).configure(
                tf_adjustment_column="owner_name_norm",
                disable_tf_exact_match_detection=True,
                label_for_charts="the same one-word name",
            ),
            cll.ExactMatchLevel("owner_name_norm", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("owner_name_norm", 0.92),
            cll.CustomLevel(
                "owner_first_l = owner_first_r "
                "OR (len(owner_first_l) = 1 AND left(owner_first_r, 1) = owner_first_l "
                "AND owner_last_l = owner_last_r) "
                "OR (len(owner_first_r) = 1 AND left(owner_first_l, 1) = owner_first_r "
                "AND owner_last_l = owner_last_r)",
                label_for_charts="the same first name, or initial and surname",
            ),
            cll.CustomLevel(
                "owner_last_l = owner_last_r", label_for_charts="the same last name only (a family)"
            ),
            cll.ElseLevel(),
        ],
    )


def _location() -> cl.CustomComparison:
    """Kabupaten/kota, kecamatan and postal code together: a postal code is one or a few
    villages of a kecamatan, so two records of one kecamatan with other postal codes are
    most likely two businesses of one name (a dense place's common name), and one postal code
    where a kecamatan is unknown places both records alike."""
    same_kecamatan = "kecamatan_code_l = kecamatan_code_r"
    a_kecamatan_unknown = (
        "kab_code_l = kab_code_r AND (kecamatan_code_l IS NULL OR kecamatan_code_r IS NULL)"
    )
    same_postal = "postal_code_l = postal_code_r"
    a_postal_unknown = "(postal_code_l IS NULL OR postal_code_r IS NULL)"
    return cl.CustomComparison(
        output_column_name="location",
        comparison_levels=[
            cll.NullLevel("kab_code"),
            cll.CustomLevel(f"{same_kecamatan} AND {same_postal}").configure(
                label_for_charts="same kecamatan and postal code"
            ),
            cll.CustomLevel(f"{same_kecamatan} AND {a_postal_unknown}").configure(
                label_for_charts="same kecamatan, a postal code unknown"
            ),
            cll.CustomLevel(same_kecamatan).configure(
                label_for_charts="same kecamatan, other postal codes"
            ),
            cll.CustomLevel(f"{a_kecamatan_unknown} AND {same_postal}").configure(
                label_for_charts="same kabupaten/kota and postal code, a kecamatan unknown"
            ),
            cll.CustomLevel(f"{a_kecamatan_unknown} AND NOT {a_postal_unknown}").configure(
                label_for_charts="same kabupaten/kota, a kecamatan unknown, other postal codes"
            ),
            cll.CustomLevel(a_kecamatan_unknown).configure(
                label_for_charts="same kabupaten/kota, a kecamatan and a postal code unknown"
            ),
            cll.ExactMatchLevel("kab_code").configure(
                label_for_charts="same kabupaten/kota, other kecamatan"
            ),
            cll.ElseLevel(),
        ],
    )


def _shop_kinds() -> cl.CustomComparison:
    """The kinds of shop the two names say they are (``toko``, ``warung`` ...): a name
    without one says nothing."""
    return cl.CustomComparison(
        output_column_name="shop_kinds",
        comparison_levels=[
            cll.NullLevel("shop_kinds"),
            cll.CustomLevel("len(list_intersect(shop_kinds_l, shop_kinds_r)) > 0").configure(
                label_for_charts="a kind of shop in common"
            ),
            cll.ElseLevel().configure(label_for_charts="other kinds of shop"),
        ],
    )


def _same_source() -> cl.CustomComparison:
    """Two records of one source are seldom one business (a second shop on a platform, a
    registry listing a business twice), two of two sources often are: at 800,000 businesses
    6.8 % of the candidate pairs within one source were one business, 28 % across sources."""
    return cl.CustomComparison(
        output_column_name="source",
        comparison_levels=[
            cll.NullLevel("source"),
            cll.ExactMatchLevel("source").configure(label_for_charts="one source"),
            cll.ElseLevel().configure(label_for_charts="two sources"),
        ],
    )


def _exact(column: str) -> ComparisonCreator:
    return cl.ExactMatch(column).configure(term_frequency_adjustments=True)


#: EM stops after this many iterations, or sooner once no parameter moves by more than
#: ``EM_CONVERGENCE`` from one iteration to the next
EM_MAX_ITERATIONS = 25
EM_CONVERGENCE = 0.0005


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _business_name(),
            _owner_name(),
            _exact("phone_e164"),
            _exact("email"),
            _exact("nib"),
            _exact("npwp"),
            _exact("nik"),
            _location(),
            _address(),
            _shop_kinds(),
            _same_source(),
        ],
        blocking_rules_to_generate_predictions=[],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=EM_MAX_ITERATIONS,
        em_convergence=EM_CONVERGENCE,
    )


def structure_fingerprint() -> str:
    """A hash of the comparisons and the blocking rules (not the trained parameters): a model
    trained under other ones is not reused, and neither are last night's scores."""
    spec = {
        "comparisons": settings().create_settings_dict("duckdb"),
        "blocking": [repr(rule) for rule in blocking.RULES],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]
