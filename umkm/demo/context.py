"""What a renderer needs to know besides the rows: the source and the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from umkm.demo.catalog import SourceSpec


@dataclass(frozen=True)
class RenderContext:
    """The source being rendered, the first delivery date and the current day index."""

    spec: SourceSpec
    start_date: date
    day: int

    @property
    def delivery_date(self) -> date:
        """Calendar date of the day being rendered."""
        return self.start_date + timedelta(days=self.day)
