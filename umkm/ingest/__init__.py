"""Ingest: from the landing zone to one snapshot per source.

In: the landing root, a folder of ``YYYY-MM-DD`` deliveries with ``_SUCCESS`` markers, each
holding the sources' files (CSV, XLSX, JSON, ... as ``schemas.catalog`` declares).
Out: per source a ``SourceSnapshot`` (``snapshots``): its accepted records in the canonical
layout (standardised by ``umkm.standardise``) and its quarantined rows with a reason.

Open ``snapshots`` first (``load_source_snapshot``); it calls ``landing`` (deliveries and
candidate files), ``readers`` (a file to a table of text) and ``validation`` (pandera checks
and quarantine). ``delivery_watch`` decides when a new delivery should start a nightly run
(the logic of the sensor and schedule).
"""
