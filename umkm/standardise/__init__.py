"""Standardise: from a source's text fields to the canonical record layout.

In: the text table of one source's accepted rows (``umkm.ingest``) and its catalog entry.
Out: a frame that satisfies ``schemas.canonical.CanonicalRecord``.

Open ``records`` first (``source_fields``, ``standardise_source``): it applies the vectorised
standardisers, one module per subject: ``names`` (business and owner names, the shop words),
``contacts`` (phones, e-mail), ``identifiers`` (NIK, NIB, NPWP, KBLI) and ``numbers_dates``
(amounts and dates), all over cell text tidied by ``text``; ``regions`` resolves free-text
kabupaten/kota, kecamatan and postal codes to Kemendagri codes; ``sectors`` maps KBLI codes
and the sources' categories to sections and sectors (for the golden records); ``distinct``
runs a column function once per distinct value.
"""
