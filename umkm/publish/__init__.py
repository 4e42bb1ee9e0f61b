"""Publish: from one night's results to the warehouse's tables, by write-audit-publish.

In: the night's snapshots, ``Resolution`` and ``IdAssignment`` (``umkm.ingest``,
``umkm.resolution``) and a warehouse URL (DuckDB or PostgreSQL).
Out: the tables of the output contract (``curated``, ``quality``, ``restricted``), with
their comments, keys and views, published atomically only when the audit passes.

Open ``assemble`` first (``build_publication``: the run's tables, made by ``tables``; keyed
hashes by ``privacy``); then ``warehouse`` (``publish``: write, audit, publish), whose
catalog of comments, keys, indexes and views is ``warehouse_catalog`` and whose writer
lock is ``warehouse_lock``; ``audit`` is the blocking audit it runs before publishing.
"""
