"""Candidate pairs: which records the match model compares, in about linear time.

Each rule makes pairs of records that share one key of ``match_input`` (a list key, such as
the uncommon words of a name, pairs records that share any element). Two things keep the
number of pairs close to linear in the number of records, even where a name is common:

- **Place.** A rule on a name or an owner (``place=True``) pairs records in one kecamatan
  when both know it; where one record does not know its kecamatan, in one kabupaten/kota;
  where one does not know its kabupaten/kota either, anywhere. A generic name is shared by
  hundreds of shops in a kabupaten/kota but by a few in a kecamatan.
- **A cap on blocks.** A block (the records sharing a key in one place) larger than the
  rule's ``max_block`` makes no pairs: a key that many records share says nothing about
  which of them are one business, and its pairs would grow with the square of its size.
  Such pairs are still made by the rules on stronger keys (phone, owner, address).

``candidate_pairs`` writes the distinct pairs (``unique_id_l < unique_id_r``) with the first
rule that made each, and returns per rule the pairs it made, the pairs no earlier rule made,
and the blocks it skipped.
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


#: strong keys pair records anywhere; name and owner keys within a place. The caps let a
#: family or a small chain share a phone or an e-mail, and leave out call centres.
RULES: tuple[BlockingRule, ...] = (
    BlockingRule("phone", "phone_e164", place=False, max_block=30),
    BlockingRule("nib", "nib", place=False, max_block=30),
    BlockingRule("email", "email", place=False, max_block=30),
    BlockingRule("npwp", "npwp", place=False, max_block=30),
    BlockingRule("nik", "nik", place=False, max_block=30),
    BlockingRule("name words", "name_sorted", place=True, max_block=60),
    BlockingRule("name or slug, written together", "name_keys", place=True, max_block=60,
                 exploded=True),
    BlockingRule("address with house number", "address_block", place=True, max_block=30),
    BlockingRule("owner", "owner_name_norm", place=True, max_block=30),
    BlockingRule("uncommon name word", "name_block_tokens", place=True, max_block=30,
                 exploded=True),
    BlockingRule("first letters of the name words", "name_heads", place=True, max_block=30),
    BlockingRule("last letters of the name words", "name_tails", place=True, max_block=30),
)

RULE_COUNT_COLUMNS = ["rule", "pairs", "new_pairs", "blocks_skipped", "records_in_skipped"]


def _keys_sql(rule: BlockingRule) -> str:
    key = "name_keys" if rule.key == "name_keys" else rule.key
    source = ("(SELECT *, list_distinct(list_filter([name_compact, slug_core], "
              "lambda k: k IS NOT NULL)) AS name_keys FROM match_input)"
              if rule.key == "name_keys" else "match_input")
    value = f"unnest({key})" if rule.exploded else key
    return (f"SELECT unique_id, k, kab_code, kecamatan_code FROM "
            f"(SELECT unique_id, {value} AS k, kab_code, kecamatan_code FROM {source}) "
            "WHERE k IS NOT NULL AND k <> ''")


def _rule_pairs_sql(rule: BlockingRule) -> str:
    """Ordered pairs (l < r) of one rule, with the sizes of the blocks checked in SQL."""
    cap = rule.max_block
    if not rule.place:
        return f"""
            WITH keys AS (SELECT DISTINCT unique_id, k FROM ({_keys_sql(rule)})),
            sized AS (SELECT *, count(*) OVER (PARTITION BY k) AS n FROM keys)
            SELECT l.unique_id AS l, r.unique_id AS r FROM sized l JOIN sized r USING (k)
            WHERE l.unique_id < r.unique_id AND l.n <= {cap}"""
    return f"""
        WITH keys AS (SELECT DISTINCT * FROM ({_keys_sql(rule)})),
        sized AS (
            SELECT *, count(*) OVER (PARTITION BY k, kecamatan_code) AS n_kecamatan,
                      count(*) OVER (PARTITION BY k, kab_code) AS n_kab,
                      count(*) OVER (PARTITION BY k) AS n_anywhere
            FROM keys),
        in_kecamatan AS (
            SELECT l.unique_id AS l, r.unique_id AS r FROM sized l JOIN sized r
              ON l.k = r.k AND l.kecamatan_code = r.kecamatan_code
            WHERE l.unique_id < r.unique_id AND l.n_kecamatan <= {cap}),
        in_kab AS (  -- one side does not know its kecamatan
            SELECT least(l.unique_id, r.unique_id) AS l, greatest(l.unique_id, r.unique_id) AS r
            FROM sized l JOIN sized r ON l.k = r.k AND l.kab_code = r.kab_code
            WHERE l.kecamatan_code IS NULL AND l.unique_id <> r.unique_id AND l.n_kab <= {cap}),
        anywhere AS (  -- one side does not know its kabupaten/kota
            SELECT least(l.unique_id, r.unique_id) AS l, greatest(l.unique_id, r.unique_id) AS r
            FROM sized l JOIN sized r ON l.k = r.k
            WHERE l.kab_code IS NULL AND l.unique_id <> r.unique_id AND l.n_anywhere <= {cap})
        SELECT * FROM in_kecamatan UNION ALL SELECT * FROM in_kab
        UNION ALL SELECT * FROM anywhere"""


def _skipped_sql(rule: BlockingRule) -> str:
    """Blocks the cap left out: in a kecamatan (place rules) or anywhere."""
    group = "k, kecamatan_code" if rule.place else "k"
    where = "WHERE kecamatan_code IS NOT NULL" if rule.place else ""
    return f"""SELECT count(*), coalesce(sum(n), 0) FROM (
                   SELECT count(*) AS n FROM (SELECT DISTINCT * FROM ({_keys_sql(rule)})) {where}
                   GROUP BY {group} HAVING count(*) > {rule.max_block})"""


def candidate_pairs(con: duckdb.DuckDBPyConnection, rules: tuple[BlockingRule, ...] = RULES,
                    table: str = "candidate_pairs") -> pd.DataFrame:
    """Write the distinct candidate pairs of ``match_input`` into ``table`` (``unique_id_l``,
    ``unique_id_r``, ``rule``: the first rule that made the pair); return the counts per rule
    (``RULE_COUNT_COLUMNS``)."""
    con.execute("CREATE OR REPLACE TEMP TABLE blocked_pairs "
                "(l BIGINT, r BIGINT, rule_number INTEGER)")
    counts = []
    for number, rule in enumerate(rules):
        con.execute(f"INSERT INTO blocked_pairs SELECT DISTINCT l, r, {number} "
                    f"FROM ({_rule_pairs_sql(rule)})")
        made = con.execute(f"SELECT count(*) FROM blocked_pairs WHERE rule_number = {number}"
                           ).fetchall()[0][0]
        (skipped, records), = con.execute(_skipped_sql(rule)).fetchall()
        counts.append([rule.name, made, 0, skipped, records])
    con.execute(f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT l AS unique_id_l, r AS unique_id_r, min(rule_number) AS rule
        FROM blocked_pairs GROUP BY l, r""")
    con.execute("DROP TABLE blocked_pairs")
    first = dict(con.execute(f"SELECT rule, count(*) FROM {table} GROUP BY rule").fetchall())
    for number, row in enumerate(counts):
        row[2] = int(first.get(number, 0))
    return pd.DataFrame(counts, columns=RULE_COUNT_COLUMNS)
