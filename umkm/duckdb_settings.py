"""How much of the machine DuckDB may use in the nightly job: memory limit, threads and where
it spills what does not fit.

The job's heavy SQL (matching, golden records, publishing) runs in DuckDB inside the job's
own process, next to the pandas frames of the night. ``DuckDBSettings.connect`` opens a
connection within the limits; ``default_memory_limit`` leaves the rest of the machine to the
process itself (``UMKM_DUCKDB_MEMORY`` and ``UMKM_DUCKDB_THREADS`` override the defaults,
``UMKM_DUCKDB_TEMP_DIR`` says where to spill; ``umkm.settings``).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import duckdb

#: share of the machine's memory DuckDB takes by default, and the bounds of that default
DEFAULT_MEMORY_SHARE = 0.25
MIN_DEFAULT_MEMORY_GB = 1
MAX_DEFAULT_MEMORY_GB = 3


def physical_memory_bytes() -> int:
    """The machine's memory (0 when the system does not tell)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def default_memory_limit() -> str:
    """A quarter of the machine's memory, at least 1 GB and at most 3 GB. At 800,000
    businesses the whole job, pandas frames included, then peaks at about 7.2 GB (README,
    "Banten scale")."""
    gigabytes = physical_memory_bytes() * DEFAULT_MEMORY_SHARE / 2**30
    gigabytes = min(MAX_DEFAULT_MEMORY_GB, max(MIN_DEFAULT_MEMORY_GB, gigabytes))
    return f"{gigabytes:.1f}GB"


#: the publish takes this share of the job's DuckDB memory limit: it only streams the night's
#: frames into tables and builds their keys, next to those frames (all of them in memory at
#: that point), and DuckDB holds what it wrote until the checkpoint unless its limit says
#: otherwise. At 800,000 businesses the full limit took the job past 8 GB there.
PUBLISH_MEMORY_SHARE = 0.5
#: DuckDB's units of a memory limit, in bytes
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


def memory_bytes(limit: str) -> int:
    """The bytes of a DuckDB memory limit such as ``3.0GB``, ``1500MB`` or ``2 GiB``."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([a-zA-Z]*)\s*", limit)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(f"not a memory limit: {limit!r} (write it like 3GB or 1500MB)")
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class DuckDBSettings:
    """Limits of the job's DuckDB connections."""

    memory_limit: str = "1GB"
    threads: int = 1
    #: a folder for DuckDB's spill files (a fresh temporary folder is made inside it)
    temp_directory: str | None = None

    @classmethod
    def for_this_machine(cls) -> DuckDBSettings:
        return cls(memory_limit=default_memory_limit(), threads=os.cpu_count() or 1)

    def for_publishing(self) -> DuckDBSettings:
        """These settings with ``PUBLISH_MEMORY_SHARE`` of the memory limit."""
        share = memory_bytes(self.memory_limit) * PUBLISH_MEMORY_SHARE
        return replace(self, memory_limit=f"{share / 2**20:.0f}MiB")

    @contextmanager
    def connection(self, database: str = ":memory:") -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection within the limits, spilling into a temporary folder of its own that
        is removed with the connection. A ``temp_directory`` that does not exist yet is
        made."""
        if self.temp_directory:
            os.makedirs(self.temp_directory, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="umkm-duckdb-", dir=self.temp_directory) as spill:
            con = duckdb.connect(
                database,
                config={
                    "memory_limit": self.memory_limit,
                    "threads": self.threads,
                    "temp_directory": spill,
                    "preserve_insertion_order": False,
                },
            )
            try:
                yield con
            finally:
                con.close()
