"""Domain logic of the UMKM register, free of Dagster.

Every step of the nightly run lives here as plain functions over pandas DataFrames:
``landing`` (finding deliveries and snapshots), ``readers`` (turning source files into text
tables), ``validation`` (pandera checks and quarantine), ``standardise`` and ``regions``
(one canonical record layout), ``matching`` and ``golden`` (businesses and their golden
records), ``privacy`` (keyed hashes), ``warehouse`` (publishing) and ``demo`` (the demo
landing-zone generator). The Dagster layer in ``assets/`` only calls into these modules.
"""
