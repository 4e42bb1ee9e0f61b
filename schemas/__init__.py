"""Pandera schemas and the source catalog.

``catalog`` describes the 29 sources and their formats; ``source_formats`` holds the pandera
schema of each raw format; ``canonical`` the canonical record every source is standardised
to; ``curated`` the published warehouse tables.
"""
