"""Dagster resources: the outside world of the pipeline (the landing zone, and the demo one
that generates itself; the warehouse; DuckDB's limits), configured from the environment
through ``umkm.settings``."""
