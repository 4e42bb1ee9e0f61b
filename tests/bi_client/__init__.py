"""A real BI client (Apache Superset) for the BI smoke test: its pinned requirements, the
constraints it was seen working with, its settings, and the script that drives its API."""
