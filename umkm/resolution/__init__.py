"""Resolution: from canonical records to businesses with persistent ids and golden records.

In: the canonical records of every source (``umkm.ingest``), last night's published
mapping of records to ids, the stewards' decisions and the stored match model.
Out: a ``Resolution`` (``resolve``): each record's cluster, its links and their scores; an
``IdAssignment`` (``identity``): each cluster's ``umkm_id`` and the night's id events; the
golden records (``golden``), one row per business.

Open ``resolve`` first (``resolve_entities``); the steps it calls are ``match_input``
(features and value frequencies, in DuckDB), ``blocking`` (candidate pairs),
``comparisons`` (what the model compares), ``splink_model`` (training and storage of the
model), ``scoring`` (pairs scored with the model), ``deterministic`` (records sharing a NIB),
``stewardship`` (the stewards' decisions as constraints) and ``clustering``. Then ``identity``, ``golden`` and
``review_queue`` (the decisions most worth a steward's time). ``evaluation`` scores a
clustering against a ground truth (benchmarks).
"""
