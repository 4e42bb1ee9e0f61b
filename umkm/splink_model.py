"""The probabilistic match model (Splink 5, DuckDB backend) for Indonesian business records.

Comparisons fit the data: business names compared on the normalised name (legal forms, shop
words and decoration already removed), on the sorted token set (word order), on token
overlap and Jaro-Winkler (typos), and against the shop's URL slug, with term-frequency
adjustment so that generic names (``berkah``, ``barokah``) weigh little; owner names after
honorifics and degrees are gone, with an initial-and-surname level; phone, e-mail, NIB, NPWP
and NIK exact with term-frequency adjustment (a family phone shared by several businesses
weighs less); kabupaten/kota, kecamatan and postal code together as one location comparison.

Training: the probability that two records match from deterministic rules on the strong
keys (NIB; phone with the same name), u by random sampling, m by expectation maximisation in
two sessions blocked on phone and on name. The trained model is a JSON document (Splink's own
format) with a structure fingerprint: a changed comparison set forces retraining.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

log = logging.getLogger(__name__)

#: a name word used by at most this share of records is distinctive (not 'berkah', 'jaya')
RARE_TOKEN_SHARE = 0.0005

MATCH_INPUT_SQL = """
WITH typed AS (
    SELECT position AS unique_id, *, string_split(business_name_norm, ' ') AS words
    FROM records
),
base AS (
    -- a shop word with a typo ('warugn kencana', 'keadi maju') is still a shop word
    SELECT *, list_distinct(name_words) AS name_tokens
    FROM (SELECT *, CASE
        WHEN len(words) > 1 AND len(list_filter($shop_words,
            lambda w: damerau_levenshtein(w, words[1]) <= 1 AND len(words[1]) >= 5
                   AND left(w, 1) = left(words[1], 1))) > 0
        THEN words[2:] ELSE words END AS name_words
    FROM typed)
),
token_counts AS (
    SELECT token, count(*) AS n FROM (SELECT unnest(name_tokens) AS token FROM base)
    GROUP BY token
),
rare AS (
    -- distinctive words of the name, leaving out the owner's own names: 'Jamu Rohman' and
    -- 'Bengkel Rohman' of one owner share a word but not a distinctive one
    SELECT b.unique_id, list(t.token ORDER BY t.token) AS name_rare_tokens
    FROM (SELECT unique_id, owner_name_norm, unnest(name_tokens) AS token FROM base) b
    JOIN token_counts t USING (token)
    WHERE t.n <= greatest(3, $rare_share * (SELECT count(*) FROM base))
      AND NOT list_contains(coalesce(string_split(b.owner_name_norm, ' '), []), b.token)
    GROUP BY b.unique_id
),
uncommon AS (
    -- for blocking: every uncommon word of the name, the owner's names included, so that a
    -- typo in one word still leaves another to meet on
    SELECT b.unique_id, list(t.token ORDER BY t.token) AS name_block_tokens
    FROM (SELECT unique_id, unnest(name_tokens) AS token FROM base) b
    JOIN token_counts t USING (token)
    WHERE t.n <= greatest(3, $rare_share * (SELECT count(*) FROM base))
    GROUP BY b.unique_id
)
SELECT
    unique_id,
    source,
    business_name_norm,
    name_tokens,
    coalesce(rare.name_rare_tokens, []::VARCHAR[]) AS name_rare_tokens,
    coalesce(uncommon.name_block_tokens, []::VARCHAR[]) AS name_block_tokens,
    array_to_string(list_sort(name_tokens), ' ') AS name_sorted,
    -- typo-tolerant name keys: the first, and the last, three letters of every word
    array_to_string(list_sort(list_transform(name_tokens, lambda t: left(t, 3))), ' ') AS name_heads,
    array_to_string(list_sort(list_transform(name_tokens, lambda t: right(t, 3))), ' ') AS name_tails,
    array_to_string(name_words, '') AS name_compact,
    nullif(shop_slug, '') AS shop_slug,
    -- the shop slug without shop words before it and decoration or numbers after it:
    -- 'kedaisumberrejekiputra', 'sumberrejekiputra2' and 'sumberrejekiputrastore' agree
    nullif(regexp_replace(regexp_replace(shop_slug, $slug_prefix, ''), $slug_suffix, ''), '')
        AS slug_core,
    -- street, house number and block of the address, word order ignored: 'Jl. Raya Ciputat
    -- No 153, Cibeber' and 'JL. RAYA CIPUTAT NO. 153 RT.01/RW.07' agree
    nullif(array_to_string(list_sort(list_filter(
        string_split(trim(regexp_replace(regexp_replace(regexp_replace(lower(address),
            '[,;].*$', ''), $address_tail, ''), '[^a-z0-9]+', ' ', 'g')), ' '),
        lambda t: t <> '' AND NOT list_contains($address_words, t))), ' '), '')
        AS address_key,
    -- blocking on an address only where it has a house number: a kampung name alone is shared
    CASE WHEN regexp_matches(address_key, '[0-9]') THEN address_key END AS address_block,
    owner_name_norm,
    split_part(owner_name_norm, ' ', 1) AS owner_first,
    split_part(owner_name_norm, ' ', -1) AS owner_last,
    phone_e164, email, nib, npwp, nik,
    kab_code, kecamatan_code, postal_code
FROM base LEFT JOIN rare USING (unique_id) LEFT JOIN uncommon USING (unique_id)
"""

#: words naming the kind of shop, which a typo can hide from the name's standardisation
SHOP_WORDS = ["toko", "warung", "kedai", "kios", "depot", "grosir", "outlet", "warteg"]
#: shop words a slug may start with, and decoration a slug may end with
SLUG_PREFIX = r"^(toko|warung|warteg|kedai|kios|depot|rm|grosir|outlet)+"
SLUG_SUFFIX = r"(officialstore|official|store|shop|olshop|onlineshop|online|id|indonesia|[0-9])+$"
#: where the street part of an address ends (RT/RW, village, district ...)
ADDRESS_TAIL = r"\b(rt|rw|kel|kelurahan|kec|kecamatan|desa|kab|kabupaten|kota)\b.*$"
#: words of an address that say what kind of street it is, not which one
ADDRESS_WORDS = ["jl", "jln", "jalan", "gg", "gang", "kp", "kmp", "kampung", "perum",
                 "perumahan", "komplek", "komp", "kompleks", "blok", "no", "nomor", "dusun",
                 "dsn", "lingkungan", "lingk", "link"]



def _overlap(column: str) -> str:
    return (f"len(list_intersect({column}_l, {column}_r)) / "
            f"greatest(len(list_distinct(list_concat({column}_l, {column}_r))), 1)")


_SHARE_RARE_WORD = "len(list_intersect(name_rare_tokens_l, name_rare_tokens_r)) > 0"
_NAME_JW = "jaro_winkler_similarity(business_name_norm_l, business_name_norm_r)"
#: the two names written without spaces, and each shop slug, as the other's name or slug
_SAME_SLUG = ("slug_core_l = slug_core_r OR slug_core_l = name_compact_r "
              "OR name_compact_l = slug_core_r")


def _few_typos(left: str, right: str) -> str:
    """One edit apart in a name of 6 letters or more, two in a name of 12 or more."""
    distance = f"damerau_levenshtein({left}, {right})"
    shorter = f"least(len({left}), len({right}))"
    return (f"(abs(len({left}) - len({right})) <= 2 AND "
            f"({distance} <= 1 AND {shorter} >= 6 OR {distance} <= 2 AND {shorter} >= 12))")


def _business_name() -> cl.CustomComparison:
    typos = " OR ".join(_few_typos(a, b) for a, b in (
        ("name_compact_l", "name_compact_r"), ("slug_core_l", "name_compact_r"),
        ("name_compact_l", "slug_core_r"), ("slug_core_l", "slug_core_r")))
    return cl.CustomComparison(
        output_column_name="business_name",
        comparison_levels=[
            cll.NullLevel("business_name_norm"),
            cll.ExactMatchLevel("name_sorted").configure(
                tf_adjustment_column="name_sorted", label_for_charts="same words"),
            cll.CustomLevel(_SAME_SLUG).configure(
                tf_adjustment_column="name_sorted",
                label_for_charts="name or slug equals the other's slug"),
            cll.CustomLevel(typos).configure(
                tf_adjustment_column="name_sorted",
                label_for_charts="the same name but for a typo or two"),
            cll.CustomLevel(f"{_SHARE_RARE_WORD} AND {_overlap('name_tokens')} >= 0.5",
                            label_for_charts="a distinctive word and half the words shared"),
            cll.CustomLevel(f"{_SHARE_RARE_WORD} OR {_overlap('name_tokens')} >= 0.5",
                            label_for_charts="some words shared"),
            cll.CustomLevel(f"{_overlap('name_tokens')} > 0 OR {_NAME_JW} >= 0.8",
                            label_for_charts="some likeness"),
            cll.ElseLevel(),
        ],
    )


def _address() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address_key"),
            cll.ExactMatchLevel("address_key", term_frequency_adjustments=True),
            cll.CustomLevel("jaro_winkler_similarity(address_key_l, address_key_r) >= 0.92",
                            label_for_charts="the same street and number but for a typo"),
            cll.ElseLevel(),
        ],
    )


def _owner_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="owner_name",
        comparison_levels=[
            cll.NullLevel("owner_name_norm"),
            cll.ExactMatchLevel("owner_name_norm", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("owner_name_norm", 0.92),
            cll.CustomLevel(
                "owner_first_l = owner_first_r "
                "OR (len(owner_first_l) = 1 AND left(owner_first_r, 1) = owner_first_l "
                "AND owner_last_l = owner_last_r) "
                "OR (len(owner_first_r) = 1 AND left(owner_first_l, 1) = owner_first_r "
                "AND owner_last_l = owner_last_r)",
                label_for_charts="the same first name, or initial and surname"),
            cll.CustomLevel("owner_last_l = owner_last_r",
                            label_for_charts="the same last name only (a family)"),
            cll.ElseLevel(),
        ],
    )


def _location() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="location",
        comparison_levels=[
            cll.NullLevel("kab_code"),
            cll.ExactMatchLevel("kecamatan_code"),
            cll.CustomLevel("kab_code_l = kab_code_r AND "
                            "(kecamatan_code_l IS NULL OR kecamatan_code_r IS NULL)",
                            label_for_charts="same kabupaten/kota, a kecamatan unknown"),
            cll.ExactMatchLevel("kab_code").configure(
                label_for_charts="same kabupaten/kota, other kecamatan"),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str) -> cl.ExactMatch:
    return cl.ExactMatch(column).configure(term_frequency_adjustments=True)


def blocking_rules() -> list:
    """Candidate pairs, kept near linear in the number of records: records that share a
    strong key; the same name words (any order) in one kecamatan (or one kab/kota when a
    kecamatan is unknown), or anywhere when one side's
    kab/kota is unknown; a name equal to a shop slug; the same owner in one kecamatan, or in
    one kab/kota with the same first letter of the business name; an uncommon name word in
    one kab/kota (so a typo in another word does not hide the pair); the same first, or last,
    three letters of every name word in one kab/kota (a typo rarely changes both). Names alone across the province, or a common owner name in a whole
    kab/kota, would make blocks whose pairs grow with the square of their size."""
    same_kab_or_unknown = "(l.kab_code = r.kab_code OR l.kab_code IS NULL OR r.kab_code IS NULL)"
    return [
        block_on("phone_e164"),
        block_on("nib"),
        block_on("email"),
        block_on("npwp"),
        CustomRule("l.kab_code = r.kab_code AND l.name_sorted = r.name_sorted AND "
                   "(l.kecamatan_code = r.kecamatan_code OR l.kecamatan_code IS NULL "
                   "OR r.kecamatan_code IS NULL)"),
        CustomRule("l.name_sorted = r.name_sorted AND (l.kab_code IS NULL OR r.kab_code IS NULL)"),
        CustomRule(f"l.name_compact = r.slug_core AND {same_kab_or_unknown}"),
        CustomRule(f"l.slug_core = r.name_compact AND {same_kab_or_unknown}"),
        CustomRule(f"l.slug_core = r.slug_core AND {same_kab_or_unknown}"),
        block_on("kab_code", "address_block"),
        block_on("kecamatan_code", "owner_name_norm"),
        block_on("kab_code", "owner_name_norm", "substr(business_name_norm, 1, 1)"),
        block_on("kab_code", "name_block_tokens", arrays_to_explode=["name_block_tokens"]),
        block_on("kab_code", "name_heads"),
        block_on("kab_code", "name_tails"),
    ]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _business_name(), _owner_name(), _exact("phone_e164"), _exact("email"), _exact("nib"),
            _exact("npwp"), _exact("nik"), _location(), _address(),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=25,
        em_convergence=0.0005,
    )


def structure_fingerprint() -> str:
    """A hash of the comparisons and blocking rules (not their trained parameters)."""
    spec = settings().create_settings_dict("duckdb")
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


#: no single comparison level may be rarer than this among matches: caps the weight of one
#: disagreement (a second e-mail, another NPWP) at about -6.6 bits instead of EM's -70
M_FLOOR = 0.01
#: u for a level that random sampling never saw (agreement on NIK or NPWP is that rare)
U_UNSEEN = 1e-6


#: trained parameters are kept to this many significant digits: DuckDB's parallel sums differ
#: in the last bits from run to run, and the same inputs must give the same businesses
SIGNIFICANT_DIGITS = 6


def regularise(model: dict) -> dict:
    """Floor m probabilities at ``M_FLOOR`` (renormalised per comparison), give levels
    that random sampling never met a small u, so that no level has an extreme weight, and
    round every parameter to ``SIGNIFICANT_DIGITS``."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        floored = [max(lv.get("m_probability") or M_FLOOR, M_FLOOR) for lv in levels]
        total = sum(floored)
        for level, m in zip(levels, floored):
            level["m_probability"] = _significant(m / total)
            level["u_probability"] = _significant(level.get("u_probability") or U_UNSEEN)
    model["probability_two_random_records_match"] = _significant(
        model["probability_two_random_records_match"])
    model.pop("linker_uid", None)  # random per linker: it would make every version new
    return model


def _significant(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


@dataclass
class TrainedModel:
    """A Splink model as JSON, with its version and the figures of its training."""

    model_json: str
    version: str
    structure: str
    trained_on_records: int
    training_seconds: float
    notes: dict = field(default_factory=dict)


MODEL_COLUMNS = ["model_version", "structure", "trained_at", "trained_on_records",
                 "training_seconds", "model_json"]


def model_to_row(model: TrainedModel, trained_at) -> pd.DataFrame:
    """The model as one row of ``quality.match_model``."""
    return pd.DataFrame([{
        "model_version": model.version, "structure": model.structure, "trained_at": trained_at,
        "trained_on_records": model.trained_on_records,
        "training_seconds": round(model.training_seconds, 1), "model_json": model.model_json,
    }], columns=MODEL_COLUMNS)


def latest_model(stored: pd.DataFrame | None) -> TrainedModel | None:
    """The newest model of ``quality.match_model``, or None."""
    if stored is None or stored.empty:
        return None
    row = stored.sort_values("trained_at").iloc[-1]
    return TrainedModel(model_json=row["model_json"], version=row["model_version"],
                        structure=row["structure"],
                        trained_on_records=int(row["trained_on_records"]),
                        training_seconds=float(row["training_seconds"]))


def save_charts(model: TrainedModel, con: duckdb.DuckDBPyConnection, folder) -> list[str]:
    """Splink's match-weights and m/u charts of ``model`` as self-contained HTML files."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    linker = _linker(con, json.loads(model.model_json))
    written = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, chart in (("match_weights", linker.visualisations.match_weights_chart()),
                            ("m_u_parameters", linker.visualisations.m_u_parameters_chart())):
            path = folder / f"{name}_{model.version}.html"
            chart.save(str(path), inline=True)
            written.append(str(path))
    return written


@dataclass
class Predictions:
    """Scored candidate pairs, the pairs the model holds to be different businesses, and
    figures of the prediction."""

    pairs: pd.DataFrame  # unique_id_l, unique_id_r, match_probability, match_weight, gamma_*, mw_*
    apart: pd.DataFrame  # unique_id_l, unique_id_r of candidate pairs scored below apart_below
    seconds: float


#: columns whose exact-match weight is adjusted by how common the value is
TF_COLUMNS = ("name_sorted", "address_key", "owner_name_norm", "phone_e164", "email",
              "nib", "npwp", "nik")


def _create_term_frequencies(con: duckdb.DuckDBPyConnection) -> None:
    """Term frequencies counted per business, not per record.

    Splink's own term frequency of a value is its share of records, so a distinctive name
    that one business lists on four platforms counts four times and weighs like a common
    one. Here a value counts as often as it occurs in the source where it occurs most: a
    name on four platforms counts once, ``Toko Berkah`` twenty times on Shopee counts twenty.
    """
    for column in TF_COLUMNS:
        con.execute(f"""
            CREATE OR REPLACE TABLE tf_lookup_{column} AS
            SELECT {column}, max(n)::DOUBLE / (SELECT count(*) FROM match_input) AS tf_{column}
            FROM (SELECT source, {column}, count(*) AS n FROM match_input
                  WHERE {column} IS NOT NULL GROUP BY ALL)
            GROUP BY {column}""")


def _linker(con: duckdb.DuckDBPyConnection, model) -> Linker:
    db_api = DuckDBAPI(connection=con)
    table = db_api.register("match_input")
    linker = Linker(table, model, log_level=logging.WARNING)
    for column in TF_COLUMNS:
        lookup = db_api.register(f"tf_lookup_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
    return linker


def prepare_input(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> None:
    """Create ``match_input`` in ``con`` from canonical records (position = row order)."""
    frame = records[[
        "source", "business_name_norm", "shop_slug", "owner_name_norm", "phone_e164",
        "email", "nib", "npwp", "nik", "address", "kab_code", "kecamatan_code", "postal_code",
    ]].reset_index(drop=True)
    frame.insert(0, "position", range(len(frame)))
    con.register("records", frame)
    con.execute(f"CREATE OR REPLACE TABLE match_input AS {MATCH_INPUT_SQL}",
                {"rare_share": RARE_TOKEN_SHARE, "shop_words": SHOP_WORDS,
                 "slug_prefix": SLUG_PREFIX,
                 "slug_suffix": SLUG_SUFFIX, "address_tail": ADDRESS_TAIL,
                 "address_words": ADDRESS_WORDS})
    _create_term_frequencies(con)
    con.unregister("records")


def train(con: duckdb.DuckDBPyConnection, n_records: int, seed: int = 1) -> TrainedModel:
    """Train the model on ``match_input``: lambda, u, m from NIB labels and EM."""
    started = time.perf_counter()
    linker = _linker(con, settings())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the rules find about half the true pairs: a third of businesses hold a NIB, and
        # many marketplace rows have no phone
        linker.training.estimate_probability_two_random_records_match(
            [block_on("nib"), "l.phone_e164 = r.phone_e164 AND l.name_sorted = r.name_sorted"],
            recall=0.5,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("phone_e164"), estimate_without_term_frequencies=True)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("kab_code", "name_sorted"), estimate_without_term_frequencies=True)
    model = regularise(linker.misc.save_model_to_json())
    model_json = json.dumps(model, sort_keys=True, default=str)
    return TrainedModel(
        model_json=model_json,
        version=hashlib.sha256(model_json.encode()).hexdigest()[:12],
        structure=structure_fingerprint(),
        trained_on_records=n_records,
        training_seconds=time.perf_counter() - started,
    )


def predict(con: duckdb.DuckDBPyConnection, model: TrainedModel, threshold: float,
            apart_below: float) -> Predictions:
    """Score every candidate pair of ``match_input`` with a trained model: the pairs at or
    above ``threshold`` with their explanation, and those below ``apart_below``."""
    started = time.perf_counter()
    linker = _linker(con, json.loads(model.model_json))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scored = linker.inference.predict()
        columns = [row[0] for row in con.execute(
            f"SELECT column_name FROM (DESCRIBE {scored.physical_name})").fetchall()]
        kept = [c for c in columns if c in ("unique_id_l", "unique_id_r", "match_probability",
                                            "match_weight") or c.startswith(("gamma_", "mw_"))]
        # only the scores and their explanation: the retained input columns would double the
        # memory of the biggest frame of the run
        pairs = con.execute(f"SELECT {', '.join(kept)} FROM {scored.physical_name} "
                            "WHERE match_probability >= ?", [threshold]).df()
        apart = con.execute(f"SELECT unique_id_l, unique_id_r FROM {scored.physical_name} "
                            "WHERE match_probability < ?", [apart_below]).df()
        scored.drop_table_from_database_and_remove_from_cache()
    return Predictions(pairs=pairs, apart=apart, seconds=time.perf_counter() - started)


def count_candidate_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """Exact number of distinct candidate pairs the blocking rules generate."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db_api = DuckDBAPI(connection=con)
    table = db_api.register("match_input")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts = count_comparisons_from_blocking_rules(
            table, blocking_rules=blocking_rules(), link_type="dedupe_only",
            unique_id_column_name="unique_id", record_sample_proportion=1.0,
        )
    return int(max(row["cumulative_comparison_count"] for row in counts))
