"""Health: verdicts and figures that tell an operator whether a night can be trusted.

In: source snapshots and their delivery dates (``umkm.ingest``), tonight's and last night's
ids (``umkm.resolution``), the golden records.
Out: plain values and small frames for the asset checks and metadata in ``assets/`` and for
``quality.source_scorecard``; nothing here stops a run by itself.

Open ``source_health`` first (per source: file problems, conservation of rows); then
``freshness`` (stale and closed sources), ``record_balance`` (every row ends in one place),
``id_churn`` (how many ids did not survive), ``register_summary`` (platforms and places)
and ``scorecard`` (feedback to each source).
"""
