"""Domain logic of the UMKM register, free of Dagster.

Every step of the nightly run lives here as plain functions over pandas DataFrames and DuckDB,
one subpackage per stage of the data flow, in the order the data passes through them:

- ``umkm.ingest``: the landing zone's deliveries, source files read and validated into one
  snapshot per source (accepted records and quarantined rows);
- ``umkm.standardise``: a source's text fields to the canonical record layout (names,
  contacts, identifiers, numbers and dates, regions, sectors);
- ``umkm.resolution``: canonical records to businesses (match input, blocking, the Splink
  model, deterministic links, clustering, stewards' decisions, persistent ids, golden records);
- ``umkm.publish``: the night's results to the warehouse's tables, audited and published by
  write-audit-publish;
- ``umkm.health``: verdicts and figures for operators (source health, freshness, id churn,
  record balance, summaries, the source scorecard);
- ``umkm.cli``: the commands people run (``umkm-explain``, ``umkm-export``, ``umkm-report``,
  ``umkm-roles``, ``umkm-review``);
- ``umkm.demo``: the demo landing-zone generator (``python -m umkm.demo``).

Shared by all stages, and importing nothing above them: ``umkm.settings`` (paths, the
environment variables and their defaults, also read by ``resources/``), ``umkm.record_keys``
(how a source record is named) and ``umkm.duckdb_settings`` (DuckDB's limits in the job). The Dagster layer
in ``assets/`` only calls into these modules; nothing here runs at import time.
"""
