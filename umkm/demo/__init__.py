"""Demo-data generator: a synthetic landing zone of the 29 UMKM sources of Banten.

Run ``python -m umkm.demo --businesses N --days D --seed S --out DIR`` or call
`generate_landing_zone`.  The output follows the landing contract
(shared/landing-contract/README.md) quirks included, and comes with a ground
truth (``DIR/_truth/ground_truth.csv`` and ``businesses.csv``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from umkm.demo.generator import GenerationSummary, generate_landing_zone

__all__ = ["GenerationSummary", "generate_landing_zone"]


def __getattr__(name: str) -> Any:
    """Import the generator lazily, so importing the package does no work."""
    if name in __all__:
        from umkm.demo import generator

        return getattr(generator, name)
    raise AttributeError(name)
