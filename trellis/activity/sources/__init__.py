"""Activity sources, one folder each, behind `base.Reader`; `reader_for` picks one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trellis.activity.sources.base import Reader


def reader_for(source: str, path: Path, **options: Any) -> Reader:
    from trellis.activity.sources.csv import ActivityCsvReader
    from trellis.activity.sources.m365_usage import M365UsageReader
    from trellis.activity.sources.slack import SlackReader
    from trellis.activity.sources.viva_engage import VivaEngageReader

    readers: dict[str, type[Reader]] = {
        r.source: r for r in (VivaEngageReader, SlackReader, M365UsageReader, ActivityCsvReader)
    }
    return readers[source](path, **options)
