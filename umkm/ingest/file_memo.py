"""A file that was read before is not read again: the outcome of reading, validating and
standardising a source file is kept under the hash of its bytes and of the code that made it.

Most sources deliver the same file on most nights: a source that sends nothing tonight is
read from its last delivery again, and at Banten's size reading a large export costs tens of
seconds. That outcome (accepted canonical records, quarantined rows, rows read and the
reader's warnings) depends only on the file's bytes, its path and delivery date, the
source's spec, and the code and libraries that read it. ``FileMemo`` keeps it under a key
made of all of these; a file whose key is known is taken from the memo, unchanged, and any
change of the file, of the project's reading code (``umkm/ingest``, ``umkm/standardise``,
``umkm/health``, ``schemas``) or of an installed dependency gives a new key, so the file is
read afresh. A file that cannot be used (broken, raising, cut short) is never kept: it is
tried again every night.

The memo lives in a folder (``UMKM_FILE_MEMO_DIR``): it holds personal data like the landing
zone itself, so the folder and its files are the owner's only. An entry is a pickle (the
only format that gives pandas frames back exactly, null markers and dtypes included): the
folder must be writable by the pipeline alone, as it is when the pipeline creates it.
Deleting it costs one night's reading time and nothing else. Per source the three entries
used most recently are kept.

**Rows read before.** Most sources that do deliver send the same rows again: a full
snapshot in which a few rows are new, changed or gone. Standardising a row depends on its
cells, the source's spec and the code alone (the snapshot date is only stamped on it), so a
row whose cells are exactly those of a row accepted from the source's last file read with
the same code gives the same canonical record. An entry keeps a 128-bit hash of each
accepted row's cells (``row_hashes``); a new file of the source is parsed and validated as
a whole (the quarantine and the duplicate keys see every row), and only its rows not
accepted before are standardised (``umkm.ingest.snapshots``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, replace
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: the project's packages whose code decides what a file's outcome is (relative to its root)
READING_CODE = ("umkm/ingest", "umkm/standardise", "umkm/health", "schemas")
PROJECT_DISTRIBUTION = "umkm-register"
#: entries kept per source (the file in use and the older ones a fallback would try)
ENTRIES_PER_SOURCE = 3
#: bumped when the layout of an entry changes
LAYOUT = "2"
#: the two keys of the 128-bit hash of a row's cells (two 64-bit hashes of pandas)
ROW_HASH_KEYS = ("umkm-row-cells-1", "umkm-row-cells-2")


@dataclass(frozen=True)
class FileOutcome:
    """What reading one source file gave: the same fields a fresh read fills."""

    records_read: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    warnings: list[str]
    #: the path the file was read at (the quarantine names it)
    source_file: str
    #: per accepted record, the 128-bit hash of the cells of the row it came from
    #: (``row_hashes``): two uint64 columns
    row_hashes: np.ndarray | None = None
    #: the ``reading_fingerprint`` of the code that read the file
    reading: str = ""


@cache
def reading_fingerprint() -> str:
    """Hash of the project's reading code and of the installed versions of its dependencies."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.blake2b(LAYOUT.encode(), digest_size=16)
    for package in READING_CODE:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    try:
        requirements = metadata.requires(PROJECT_DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        requirements = []
    # the run-time dependencies (not the extras: tests and lint do not read files)
    for requirement in sorted(r for r in requirements if "extra ==" not in r):
        name = re.split(r"[\s;\[<>=!~]", requirement, maxsplit=1)[0]
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()


def row_hashes(cells: pd.DataFrame) -> np.ndarray:
    """A 128-bit hash of each row's cells (column names and order included), as two uint64
    columns: equal rows hash alike, and two different rows of millions collide with a chance
    of about 2**-128 per pair."""
    # the columns' names and order count too: the same cells under other columns are another row
    layout = hashlib.blake2b("\x1f".join(map(str, cells.columns)).encode(), digest_size=8)
    salt = np.uint64(int.from_bytes(layout.digest(), "little"))
    return np.column_stack(
        [
            pd.util.hash_pandas_object(cells, index=False, hash_key=key, categorize=True).to_numpy(
                np.uint64
            )
            ^ salt
            for key in ROW_HASH_KEYS
        ]
    )


def file_digest(path: Path) -> str:
    """Hash of a file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=20)).hexdigest()


class FileMemo:
    """The kept outcomes of source files under ``folder`` (created, owner-only, on first
    write)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def key(self, source: str, path: Path, delivered_on: object) -> str:
        """The entry's name for this file as this source reads it with this code (the source's
        spec is code of ``schemas``). The landing root is not part of it: a landing zone
        mounted elsewhere keeps its memo (``moved_to`` names the file where it is now)."""
        parts = [reading_fingerprint(), source, path.name, str(delivered_on), file_digest(path)]
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()

    def _path(self, source: str, key: str) -> Path:
        return self.folder / source / f"{key}.pickle"

    def get(self, source: str, key: str) -> FileOutcome | None:
        """The kept outcome, or None when there is none (or it cannot be read: then the file is
        read afresh)."""
        path = self._path(source, key)
        if not path.exists():
            return None
        try:
            with path.open("rb") as handle:
                outcome = pickle.load(handle)
            if not isinstance(outcome, FileOutcome):
                raise TypeError(f"holds a {type(outcome).__name__}")
        except Exception as exc:  # a damaged entry costs a fresh read, never the night
            log.warning(f"file memo entry {path} cannot be used ({exc}); reading the file")
            return None
        os.utime(path)
        return outcome

    def latest(self, source: str) -> FileOutcome | None:
        """The source's entry used most recently, when the same code made it (None: none)."""
        entries = sorted(
            (self.folder / source).glob("*.pickle"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for entry in entries[:1]:
            outcome = self.get(source, entry.stem)
            if outcome is not None and outcome.reading == reading_fingerprint():
                return outcome
        return None

    def put(self, source: str, key: str, outcome: FileOutcome) -> None:
        """Keep an outcome (written to a temporary file and renamed, so that a half-written
        entry is never found); a memo that cannot be written is only logged."""
        path = self._path(source, key)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            _write_atomically(path, outcome)
            self._prune(source)
        except Exception as exc:
            log.warning(f"file memo: cannot keep the outcome of {source} in {self.folder}: {exc}")

    def _prune(self, source: str) -> None:
        entries = sorted(
            (self.folder / source).glob("*.pickle"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for stale in entries[ENTRIES_PER_SOURCE:]:
            stale.unlink(missing_ok=True)


def moved_to(outcome: FileOutcome, path: Path) -> FileOutcome:
    """The outcome as reading the same file at ``path`` gives it."""
    if outcome.source_file == str(path) or outcome.rejected.empty:
        return replace(outcome, source_file=str(path))
    rejected = outcome.rejected.copy()
    rejected["source_file"] = rejected["source_file"].where(
        rejected["source_file"] != outcome.source_file, str(path)
    )
    return replace(outcome, rejected=rejected, source_file=str(path))


def _write_atomically(target: Path, outcome: FileOutcome) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".writing-")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(outcome, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
