"""The compute resource: how much of the machine the job's DuckDB work may take."""

from __future__ import annotations

import dagster as dg

from umkm.duckdb_settings import DuckDBSettings


class DuckDBEngine(dg.ConfigurableResource):
    """DuckDB's memory limit, threads and spill folder for matching, golden records and
    publishing (``UMKM_DUCKDB_MEMORY``, ``UMKM_DUCKDB_THREADS``, ``UMKM_DUCKDB_TEMP_DIR``; the
    defaults suit the machine: a quarter of its memory, at most 4 GB, and all its cores)."""

    memory_limit: str
    threads: int
    temp_directory: str | None = None

    def settings(self) -> DuckDBSettings:
        return DuckDBSettings(self.memory_limit, self.threads, self.temp_directory)
