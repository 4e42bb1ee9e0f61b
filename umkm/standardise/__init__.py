"""Standardise: from a source's text fields to the canonical record layout.

In: the text table of one source's accepted rows (``umkm.ingest``) and its catalog entry.
Out: a frame that satisfies ``schemas.canonical.CanonicalRecord``.

Open ``records`` first (``standardise_source``, ``source_fields``): it applies the
vectorised standardisers of names, contacts, identifiers, numbers and dates; ``regions``
resolves free-text kabupaten/kota, kecamatan and postal codes to Kemendagri codes;
``sectors`` maps KBLI codes and the sources' categories to sections and sectors; ``distinct``
runs a column function once per distinct value.
"""
