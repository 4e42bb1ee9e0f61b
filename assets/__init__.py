"""Thin Dagster assets: each calls the plain functions of ``umkm`` and reports metadata."""
