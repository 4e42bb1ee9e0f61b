"""The commands people run against the published warehouse (``UMKM_WAREHOUSE_URL``).

In: command-line arguments and the warehouse named by the environment
(``umkm.settings``). Out: text on the terminal, export files, stewards' decisions, the BI role.

Each module has a ``main`` and runs as ``python -m umkm.cli.<name>`` or as the console script
of ``pyproject.toml``: ``umkm-explain`` (``explain``: why two records were joined),
``umkm-export`` (``export``: a table or view to CSV/XLSX), ``umkm-report`` (``report``: what
the last run published), ``umkm-roles`` (``roles``: the read-only BI role) and
``umkm-review`` (``review``: the stewards' decisions and review queue; open it first).
"""
