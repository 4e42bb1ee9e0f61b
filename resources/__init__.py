"""Dagster resources: the outside world of the pipeline (landing zone, warehouse)."""
