"""Dagster definitions: the nightly job, its schedule and the resources."""
