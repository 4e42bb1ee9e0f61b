"""The match input: one row per canonical record with the features that blocking and the match
model compare, built inside DuckDB, and the value frequencies the model was trained with.

``prepare_input`` creates the table ``match_input`` (``unique_id`` = the record's position)
in four materialised steps, so that no expensive expression is evaluated twice:

1. ``match_words``: the business name's words, without a leading shop word (also a shop word
   with a typo, ``warugn``: decided once per distinct first word, not per record);
2. the name keys: sorted words, first and last three letters of every word (typo-tolerant),
   the name written without spaces, the shop slug's core, the address key;
3. the frequencies (``value_frequencies``): how often each value of the term-frequency columns
   and each name word occurs, and how often each name occurs in its place (``name_place``)
   against the records of that place. They are counted on the training night and stored with the
   model (``restricted.match_frequency``), so that a pair of records scores the same on every
   night until the next training: what makes reusing last night's scores exact. A value the
   training never saw counts as seen once;
4. ``match_input``: the keys, the distinctive words of the name (by the frozen word counts),
   and the ``tf_lookup_<column>`` tables Splink reads.

``match_hash`` is a hash of the fields the features are made of: a record whose hash is the
same as last night's compares exactly as it did then.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from umkm.standardise.names import SHOP_ABBREVIATIONS, SHOP_DECORATION, SHOP_WORDS

#: canonical record fields that blocking and the model compare (the match hash covers them)
MATCH_FIELDS = (
    "source",
    "business_name",
    "business_name_norm",
    "shop_slug",
    "owner_name_norm",
    "phone_e164",
    "email",
    "nib",
    "npwp",
    "nik",
    "address",
    "kab_code",
    "kecamatan_code",
    "postal_code",
)
#: columns whose exact-match weight is adjusted by how common the value is
TF_COLUMNS = (
    "name_place",
    "address_key",
    "owner_name_norm",
    "phone_e164",
    "email",
    "nib",
    "npwp",
    "nik",
)
#: the name's term frequency is that of the name in its place (kecamatan, else
#: kabupaten/kota): a name is compared mostly with records of its own place, where a name
#: made of a product and the place ('otak otak khas pondok aren') is common although it is
#: rare in the province. Its frequency is the larger of two: the share of the place's records
#: that carry the name for another business (the count less one, the record's own), and the
#: name's share of all records (``_term_frequency_lookups``). So a name shared by several
#: businesses of one place weighs as little there as it is worth, and stays so as the
#: register grows
NAME_PLACE = "name_place"
#: the frequency table's entry for the number of records counted in each place
PLACE_RECORDS = "(place records)"
#: the name whose share of all records bounds ``NAME_PLACE``'s frequency from below
NAME_KEY = "name_sorted"
#: the frequency table's entry for the words of business names
NAME_WORD = "name_word"
FREQUENCY_COLUMNS = ["column_name", "value", "frequency"]
#: the frequency table's entry that holds the number of records counted
RECORD_COUNT = "(records)"
#: a name word used by at most this share of the records counted is distinctive (not
#: 'berkah', 'jaya'), and at most ``MIN_RARE_COUNT`` uses always are
RARE_TOKEN_SHARE = 0.0005
MIN_RARE_COUNT = 3

#: shop words a slug may start with (``rm``: rumah makan), and decoration or numbers a slug
#: may end with; a shop word with a typo is also one (``SHOP_WORDS``, the name's
#: standardisation misses it)
SLUG_PREFIX = "^(" + "|".join((*SHOP_WORDS, "rm")) + ")+"
SLUG_SUFFIX = "(" + "|".join((*SHOP_DECORATION, "[0-9]")) + ")+$"
#: the kinds of shop a name says it is (the matching form leaves them out): ``tk`` is toko;
#: ``Toko Sumber Rejeki`` and ``Warung Sumber Rejeki`` of one kecamatan are most often two
#: businesses (at 800,000 businesses 1.5 % of the candidate pairs whose names name other
#: kinds of shop were one business)
SHOP_KINDS = {
    **{word: word for word in SHOP_WORDS},
    **{a: a for a in SHOP_ABBREVIATIONS},
    "tk": "toko",
}
#: where the street part of an address ends (RT/RW, village, district ...)
ADDRESS_TAIL = r"\b(rt|rw|kel|kelurahan|kec|kecamatan|desa|kab|kabupaten|kota)\b.*$"
#: words of an address that say what kind of street it is, not which one
ADDRESS_WORDS = [
    "jl",
    "jln",
    "jalan",
    "gg",
    "gang",
    "kp",
    "kmp",
    "kampung",
    "perum",
    "perumahan",
    "komplek",
    "komp",
    "kompleks",
    "blok",
    "no",
    "nomor",
    "dusun",
    "dsn",
    "lingkungan",
    "lingk",
    "link",
]

_WORDS_SQL = """
CREATE OR REPLACE TEMP TABLE match_words AS
WITH typed AS (
    SELECT position AS unique_id, *, string_split(business_name_norm, ' ') AS words,
           md5(concat_ws('|', {fields})) AS match_hash
    FROM records
),
first_words AS (
    -- a shop word with a typo ('warugn kencana', 'keadi maju') is still a shop word:
    -- decided once per distinct first word
    SELECT first_word, len(list_filter($shop_words,
        lambda w: damerau_levenshtein(w, first_word) <= 1 AND len(first_word) >= 5
              AND left(w, 1) = left(first_word, 1))) > 0 AS is_shop_word
    FROM (SELECT DISTINCT words[1] AS first_word FROM typed WHERE len(words) > 1)
)
SELECT typed.*, CASE WHEN len(words) > 1 AND f.is_shop_word THEN words[2:] ELSE words END
       AS name_words
FROM typed LEFT JOIN first_words f ON f.first_word = typed.words[1]
"""

_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE match_keys AS
SELECT *, name_sorted || '@' || place AS name_place FROM (SELECT *,
    list_distinct(name_words) AS name_tokens,
    array_to_string(list_sort(list_distinct(name_words)), ' ') AS name_sorted,
    -- typo-tolerant name keys: the first, and the last, three letters of every word
    array_to_string(list_sort(list_transform(list_distinct(name_words),
        lambda t: left(t, 3))), ' ') AS name_heads,
    array_to_string(list_sort(list_transform(list_distinct(name_words),
        lambda t: right(t, 3))), ' ') AS name_tails,
    array_to_string(name_words, '') AS name_compact,
    coalesce(kecamatan_code, kab_code, '') AS place,
    nullif(shop_slug, '') AS shop_slug_key,
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
    split_part(owner_name_norm, ' ', 1) AS owner_first,
    split_part(owner_name_norm, ' ', -1) AS owner_last,
    -- the kinds of shop the name says it is ('Warung Sumber Rejeki': warung)
    nullif(list_sort(list_distinct(list_transform(list_filter(
        string_split(regexp_replace(lower(business_name), '[^a-z]+', ' ', 'g'), ' '),
        lambda w: list_contains($shop_words, w)),
        lambda w: $shop_kinds[list_position($shop_words, w)]))), []) AS shop_kinds
FROM match_words)
"""

_WORD_USES_SQL = """
CREATE OR REPLACE TEMP TABLE match_word_uses AS
SELECT k.unique_id, k.owner_name_norm, k.token, coalesce(f.frequency, 1) AS uses
FROM (SELECT unique_id, owner_name_norm, unnest(name_tokens) AS token FROM match_keys) k
LEFT JOIN (SELECT value, frequency FROM value_frequencies WHERE column_name = $name_word) f
  ON f.value = k.token
"""

_INPUT_SQL = """
CREATE OR REPLACE TABLE match_input AS
WITH rare AS (
    -- distinctive words of the name, leaving out the owner's own names: 'Jamu Rohman' and
    -- 'Bengkel Rohman' of one owner share a word but not a distinctive one
    SELECT unique_id, list(token ORDER BY token) AS name_rare_tokens
    FROM match_word_uses
    WHERE uses <= $rare_uses
      AND NOT list_contains(coalesce(string_split(owner_name_norm, ' '), []), token)
    GROUP BY unique_id
),
uncommon AS (
    -- for blocking: every uncommon word of the name, the owner's names included, so that a
    -- typo in one word still leaves another to meet on
    SELECT unique_id, list(token ORDER BY token) AS name_block_tokens
    FROM match_word_uses WHERE uses <= $rare_uses GROUP BY unique_id
)
SELECT
    unique_id, match_hash, source, business_name_norm, name_tokens,
    coalesce(rare.name_rare_tokens, []::VARCHAR[]) AS name_rare_tokens,
    coalesce(uncommon.name_block_tokens, []::VARCHAR[]) AS name_block_tokens,
    name_sorted, name_place, name_heads, name_tails, name_compact, shop_slug_key AS shop_slug,
    slug_core,
    address_key,
    -- blocking on an address only where it has a house number: a kampung name alone is shared
    CASE WHEN regexp_matches(address_key, '[0-9]') THEN address_key END AS address_block,
    owner_name_norm, owner_first, owner_last, shop_kinds,
    phone_e164, email, nib, npwp, nik, kab_code, kecamatan_code, postal_code
FROM match_keys LEFT JOIN rare USING (unique_id) LEFT JOIN uncommon USING (unique_id)
ORDER BY unique_id
"""


def prepare_input(
    con: duckdb.DuckDBPyConnection, records: pd.DataFrame, frequencies: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Create ``match_input`` and the ``tf_lookup_<column>`` tables in ``con`` from canonical
    ``records`` (position = row order). ``frequencies`` are those stored with the model; None
    counts them on these records (a training night). Returns the frequencies used."""
    frame = records[list(MATCH_FIELDS)].reset_index(drop=True)
    frame.insert(0, "position", range(len(frame)))
    con.register("records", frame)
    try:
        fields = ", ".join(f"coalesce({f}::VARCHAR, '')" for f in MATCH_FIELDS)
        con.execute(_WORDS_SQL.format(fields=fields), {"shop_words": list(SHOP_WORDS)})
    finally:
        con.unregister("records")
    con.execute(
        _KEYS_SQL,
        {
            "slug_prefix": SLUG_PREFIX,
            "slug_suffix": SLUG_SUFFIX,
            "address_tail": ADDRESS_TAIL,
            "address_words": ADDRESS_WORDS,
            "shop_words": list(SHOP_KINDS),
            "shop_kinds": list(SHOP_KINDS.values()),
        },
    )
    if frequencies is None:
        frequencies = count_frequencies(con)
    con.register("frequencies_frame", frequencies)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE value_frequencies AS "
        "SELECT column_name, value, frequency FROM frequencies_frame"
    )
    con.unregister("frequencies_frame")
    counted = record_count(frequencies)
    rare_uses = max(MIN_RARE_COUNT, RARE_TOKEN_SHARE * counted)
    con.execute(_WORD_USES_SQL, {"name_word": NAME_WORD})
    con.execute(_INPUT_SQL, {"rare_uses": rare_uses})
    _term_frequency_lookups(con, counted)
    for table in ("match_words", "match_keys", "match_word_uses"):
        con.execute(f"DROP TABLE {table}")
    return frequencies


def record_count(frequencies: pd.DataFrame) -> int:
    """How many records the frequencies were counted on."""
    counted = frequencies.loc[frequencies["column_name"] == RECORD_COUNT, "frequency"]
    return int(counted.iloc[0]) if len(counted) else 1


def count_frequencies(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The frequencies of ``match_keys`` (training night): per term-frequency column, how often
    each value occurs in the source where it occurs most (a name one business lists on four
    platforms counts once, ``Toko Berkah`` twenty times on Shopee counts twenty); per name word,
    how many records use it; and the number of records."""
    parts = [
        f"""SELECT '{column}' AS column_name, {column}::VARCHAR AS value, max(n) AS frequency
            FROM (SELECT source, {column}, count(*) AS n FROM match_keys
                  WHERE {column} IS NOT NULL GROUP BY ALL)
            GROUP BY {column}"""
        for column in (NAME_KEY, *TF_COLUMNS)
    ]
    parts.append(f"""SELECT '{NAME_WORD}', token, count(*) FROM
                     (SELECT unnest(name_tokens) AS token FROM match_keys) GROUP BY token""")
    parts.append(f"SELECT '{PLACE_RECORDS}', place, count(*) FROM match_keys GROUP BY place")
    parts.append(f"SELECT '{RECORD_COUNT}', NULL, count(*) FROM match_keys")
    return (
        con.execute(" UNION ALL ".join(parts))
        .df()
        .astype({"column_name": "str", "value": "object", "frequency": "int64"})
    )


def _term_frequency_lookups(con: duckdb.DuckDBPyConnection, counted: int) -> None:
    """``tf_lookup_<column>``: each value of tonight's records with its frozen relative
    frequency; a value the training never saw counts as seen once. A name's frequency in its
    place (``NAME_PLACE``) is that of the other businesses of the place with the name, and at
    least its frequency among all records."""
    for column in TF_COLUMNS:
        if column == NAME_PLACE:
            continue
        con.execute(
            f"""
            CREATE OR REPLACE TABLE tf_lookup_{column} AS
            SELECT v.{column}, coalesce(f.frequency, 1)::DOUBLE / $counted AS tf_{column}
            FROM (SELECT DISTINCT {column} FROM match_input WHERE {column} IS NOT NULL) v
            LEFT JOIN value_frequencies f
              ON f.column_name = '{column}' AND f.value = v.{column}::VARCHAR""",
            {"counted": counted},
        )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE tf_lookup_{NAME_PLACE} AS
        WITH v AS (SELECT DISTINCT {NAME_PLACE}, {NAME_KEY},
                          coalesce(kecamatan_code, kab_code, '') AS place
                   FROM match_input WHERE {NAME_PLACE} IS NOT NULL)
        SELECT v.{NAME_PLACE}, greatest(
                   (coalesce(here.frequency, 1) - 1)::DOUBLE / greatest(coalesce(n.frequency, 1), 1),
                   coalesce(anywhere.frequency, 1)::DOUBLE / $counted) AS tf_{NAME_PLACE}
        FROM v
        LEFT JOIN value_frequencies here
          ON here.column_name = '{NAME_PLACE}' AND here.value = v.{NAME_PLACE}
        LEFT JOIN value_frequencies anywhere
          ON anywhere.column_name = '{NAME_KEY}' AND anywhere.value = v.{NAME_KEY}
        LEFT JOIN value_frequencies n
          ON n.column_name = '{PLACE_RECORDS}' AND n.value = v.place""",
        {"counted": counted},
    )
