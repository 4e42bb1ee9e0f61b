"""Candidate pairs: which records the match model compares, in about linear time.

Each rule makes pairs of records that share one key of ``match_input`` (a list key, such as
the uncommon words of a name, pairs records that share any element). Two things keep the
number of pairs close to linear in the number of records, even where a name is common:

- **Place.** A rule on a name or an owner (``place=True``) pairs records in one kecamatan
  when both know it; where one record does not know its kecamatan, in one kabupaten/kota;
  where one does not know its kabupaten/kota either, anywhere. A generic name is shared by
  hundreds of shops in a kabupaten/kota but by a few in a kecamatan.
- **A cap on blocks, and a window beyond it.** A block (the records sharing a key in one
  place) larger than the rule's ``max_block`` is not paired in full: its pairs would grow
  with the square of its size, and a key that many records share says little about which
  of them are one business. A rule with a ``window`` sorts such a kecamatan block by what
  else its records carry (owner, phone, address, e-mail: ``WINDOW_ORDER``) and pairs each
  record with the next ``window`` records (a sorted neighbourhood), so a block makes at most
  ``window`` pairs per record; a rule without one makes no pairs in it. Either way, the
  rules on stronger keys (phone, owner, address) still pair what they share. Blocks grow
  with the density of common names, not with the province: this keeps the pairs per record
  about flat from 20,000 to 800,000 businesses (``benchmarks/blocking_recall.py``).

``candidate_pairs`` writes the distinct pairs (``unique_id_l < unique_id_r``) with the first
rule that made each, and returns per rule the pairs it made, the pairs no earlier rule made,
and the blocks over its cap (windowed or skipped) with the records in them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class BlockingRule:
    """Records sharing ``key`` (within a place, when ``place``) are candidate pairs, unless
    more than ``max_block`` records share it there."""

    name: str
    key: str
    place: bool
    max_block: int
    #: the key is a list: records sharing any element are paired
    exploded: bool = False
    #: a kecamatan block larger than ``max_block`` pairs each record with the next ``window``
    #: records in the order of ``WINDOW_ORDER`` instead of making no pairs (0: none)
    window: int = 0


#: strong keys pair records anywhere; name and owner keys within a place. The caps let a
#: family or a small chain share a phone or an e-mail, and leave out call centres. The name
#: and owner keys window their large kecamatan blocks, the typo-tolerant letter keys (which
#: many more names share) from smaller ones: at 800,000 businesses this halves the pairs
#: that the caps of 60 and 30 without a window made (9.9 M, 5.3 per record), for 1.8 % of
#: the true pairs that no rule makes any more (benchmarks/blocking_recall.py)
RULES: tuple[BlockingRule, ...] = (
    BlockingRule("phone", "phone_e164", place=False, max_block=30),
    BlockingRule("nib", "nib", place=False, max_block=30),
    BlockingRule("email", "email", place=False, max_block=30),
    BlockingRule("npwp", "npwp", place=False, max_block=30),
    BlockingRule("nik", "nik", place=False, max_block=30),
    BlockingRule("name words", "name_sorted", place=True, max_block=20, window=6),
    BlockingRule(
        "name or slug, written together",
        "name_keys",
        place=True,
        max_block=20,
        exploded=True,
        window=6,
    ),
    BlockingRule("address with house number", "address_block", place=True, max_block=30),
    BlockingRule("owner", "owner_name_norm", place=True, max_block=20, window=6),
    BlockingRule(
        "uncommon name word", "name_block_tokens", place=True, max_block=30, exploded=True
    ),
    BlockingRule(
        "first letters of the name words", "name_heads", place=True, max_block=8, window=3
    ),
    BlockingRule("last letters of the name words", "name_tails", place=True, max_block=8, window=3),
)

RULE_COUNT_COLUMNS = ["rule", "pairs", "new_pairs", "blocks_over_cap", "records_in_over_cap"]
#: the order of a large block's records in which each is paired with its next ``window``:
#: records of one business that share something besides the key come next to each other
WINDOW_ORDER = ("owner_name_norm", "phone_e164", "address_key", "email", "unique_id")


def _keys_sql(rule: BlockingRule) -> str:
    key = "name_keys" if rule.key == "name_keys" else rule.key
    source = (
        "(SELECT *, list_distinct(list_filter([name_compact, slug_core], "
        "lambda k: k IS NOT NULL)) AS name_keys FROM match_input)"
        if rule.key == "name_keys"
        else "match_input"
    )
    value = f"unnest({key})" if rule.exploded else key
    order = ", ".join(c for c in WINDOW_ORDER if c != "unique_id")
    return (
        f"SELECT unique_id, k, kab_code, kecamatan_code, {order} FROM "
        f"(SELECT unique_id, {value} AS k, kab_code, kecamatan_code, {order} FROM {source}) "
        "WHERE k IS NOT NULL AND k <> ''"
    )


def _sized_sql(rule: BlockingRule) -> str:
    """The rule's keys (one row per record and key) with the sizes of their blocks: ``n``
    anywhere; for a place rule also ``n_kecamatan`` and ``n_kab``."""
    if not rule.place:
        return f"""
            WITH keys AS (SELECT DISTINCT unique_id, k FROM ({_keys_sql(rule)}))
            SELECT *, count(*) OVER (PARTITION BY k) AS n_anywhere FROM keys"""
    return f"""
        WITH keys AS (SELECT DISTINCT * FROM ({_keys_sql(rule)}))
        SELECT *, count(*) OVER (PARTITION BY k, kecamatan_code) AS n_kecamatan,
                  count(*) OVER (PARTITION BY k, kab_code) AS n_kab,
                  count(*) OVER (PARTITION BY k) AS n_anywhere
        FROM keys"""


def _rule_pairs_sql(rule: BlockingRule, sized: str = "sized") -> str:
    """Ordered pairs (l < r) of one rule from its sized keys (the table ``sized``)."""
    cap = rule.max_block
    if not rule.place:
        return f"""
            SELECT l.unique_id AS l, r.unique_id AS r FROM {sized} l JOIN {sized} r USING (k)
            WHERE l.unique_id < r.unique_id AND l.n_anywhere <= {cap}"""
    return f"""
        WITH sized AS (SELECT * FROM {sized}),
        in_kecamatan AS (
            SELECT l.unique_id AS l, r.unique_id AS r FROM sized l JOIN sized r
              ON l.k = r.k AND l.kecamatan_code = r.kecamatan_code
            WHERE l.unique_id < r.unique_id AND l.n_kecamatan <= {cap}),
        ranked AS (  -- the records of the kecamatan blocks too large to pair in full
            SELECT unique_id, k, kecamatan_code,
                   row_number() OVER (PARTITION BY k, kecamatan_code
                                      ORDER BY {", ".join(f"{c} NULLS LAST" for c in WINDOW_ORDER)})
                       AS rank
            FROM sized WHERE kecamatan_code IS NOT NULL AND n_kecamatan > {cap}
              AND {rule.window} > 0),
        in_window AS (
            SELECT least(l.unique_id, r.unique_id) AS l, greatest(l.unique_id, r.unique_id) AS r
            FROM (SELECT *, unnest(range(1, {rule.window} + 1)) AS step FROM ranked) l
            JOIN ranked r ON r.k = l.k AND r.kecamatan_code = l.kecamatan_code
                         AND r.rank = l.rank + l.step),
        in_kab AS (  -- one side does not know its kecamatan
            SELECT least(l.unique_id, r.unique_id) AS l, greatest(l.unique_id, r.unique_id) AS r
            FROM sized l JOIN sized r ON l.k = r.k AND l.kab_code = r.kab_code
            WHERE l.kecamatan_code IS NULL AND l.unique_id <> r.unique_id AND l.n_kab <= {cap}),
        anywhere AS (  -- one side does not know its kabupaten/kota
            SELECT least(l.unique_id, r.unique_id) AS l, greatest(l.unique_id, r.unique_id) AS r
            FROM sized l JOIN sized r ON l.k = r.k
            WHERE l.kab_code IS NULL AND l.unique_id <> r.unique_id AND l.n_anywhere <= {cap})
        SELECT * FROM in_kecamatan UNION ALL SELECT * FROM in_window
        UNION ALL SELECT * FROM in_kab UNION ALL SELECT * FROM anywhere"""


def _skipped_sql(rule: BlockingRule, sized: str = "sized") -> str:
    """Blocks over the cap, and the records in them: in a kecamatan (place rules) or
    anywhere."""
    if rule.place:
        size, where = "n_kecamatan", "kecamatan_code IS NOT NULL AND "
    else:
        size, where = "n_anywhere", ""
    return f"""SELECT count(DISTINCT ({"k, kecamatan_code" if rule.place else "k"})),
                      count(*)
               FROM {sized} WHERE {where}{size} > {rule.max_block}"""


def candidate_pairs(
    con: duckdb.DuckDBPyConnection,
    rules: tuple[BlockingRule, ...] = RULES,
    table: str = "candidate_pairs",
) -> pd.DataFrame:
    """Write the distinct candidate pairs of ``match_input`` into ``table`` (``unique_id_l``,
    ``unique_id_r``, ``rule``: the first rule that made the pair); return the counts per rule
    (``RULE_COUNT_COLUMNS``)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE blocked_pairs (l BIGINT, r BIGINT, rule_number INTEGER)"
    )
    counts = []
    for number, rule in enumerate(rules):
        con.execute(f"CREATE OR REPLACE TEMP TABLE sized AS {_sized_sql(rule)}")
        con.execute(
            f"INSERT INTO blocked_pairs SELECT DISTINCT l, r, {number} "
            f"FROM ({_rule_pairs_sql(rule)})"
        )
        made = con.execute(
            f"SELECT count(*) FROM blocked_pairs WHERE rule_number = {number}"
        ).fetchall()[0][0]
        ((skipped, records),) = con.execute(_skipped_sql(rule)).fetchall()
        counts.append([rule.name, made, 0, skipped, records])
    con.execute("DROP TABLE IF EXISTS sized")
    con.execute(f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT l AS unique_id_l, r AS unique_id_r, min(rule_number) AS rule
        FROM blocked_pairs GROUP BY l, r""")
    con.execute("DROP TABLE blocked_pairs")
    first = dict(con.execute(f"SELECT rule, count(*) FROM {table} GROUP BY rule").fetchall())
    for number, row in enumerate(counts):
        row[2] = int(first.get(number, 0))
    return pd.DataFrame(counts, columns=RULE_COUNT_COLUMNS)
