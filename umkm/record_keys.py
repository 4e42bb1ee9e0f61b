"""How a source record is named across the register: ``(source, source_record_id)``.

The warehouse's tables carry the pair as two columns, which join to the primary key of
``curated.umkm_source_record``. Where one text is handier (a command line, a log line, a
hash key), a record reference is ``source:source_record_id``; ``record_refs`` writes it (for
one record: ``record_ref``) and ``split_refs`` reads it back. Record keys may hold a ``:``, source keys never do.
"""

from __future__ import annotations

import pandas as pd

SEPARATOR = ":"


def record_ref(source: str, source_record_id: str) -> str:
    """``source:source_record_id`` of one record."""
    return f"{source}{SEPARATOR}{source_record_id}"


def record_refs(frame: pd.DataFrame, prefix: str = "") -> pd.Series:
    """``source:source_record_id`` of each row (columns ``<prefix>source`` and
    ``<prefix>source_record_id``)."""
    return (
        frame[f"{prefix}source"].astype(str)
        + SEPARATOR
        + frame[f"{prefix}source_record_id"].astype(str)
    )


def split_refs(refs: pd.Series) -> pd.DataFrame:
    """``source`` and ``source_record_id`` of ``source:source_record_id`` references."""
    parts = refs.astype(str).str.split(SEPARATOR, n=1, expand=True)
    return pd.DataFrame({"source": parts[0], "source_record_id": parts[1]}, index=refs.index)
