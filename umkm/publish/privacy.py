"""Keyed hashes of personal data (UU 27/2022): HMAC-SHA256 with a secret from the environment.

A plain hash of a NIK or a phone number can be reversed by trying every possible value; an
HMAC cannot without the key. The HMAC is computed inside DuckDB (``sha256`` over the padded
key, RFC 2104), so millions of values never meet a Python loop.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_BLOCK_SIZE = 64


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if not key:
        raise ValueError("the personal-data hash key is empty")
    if len(key) > _BLOCK_SIZE:
        import hashlib

        key = hashlib.sha256(key).digest()
    block = key.ljust(_BLOCK_SIZE, b"\0")
    return bytes(b ^ 0x5C for b in block), bytes(b ^ 0x36 for b in block)


def keyed_hash(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 (hex) of each value under ``key``; NA stays NA."""
    outer, inner = _pads(key)
    frame = pd.DataFrame({"v": values.astype("object").where(values.notna(), None)})
    con = duckdb.connect()
    try:
        con.register("vals", frame)
        hashed = con.execute(
            "SELECT CASE WHEN v IS NULL THEN NULL ELSE "
            "sha256(?::BLOB || unhex(sha256(?::BLOB || encode(v::VARCHAR)))) END AS h FROM vals",
            [outer, inner],
        ).df()["h"]
    finally:
        con.close()
    return pd.Series(hashed.to_numpy(), index=values.index, dtype="object")
