"""ESN activity pushed by a connector, one space and day at a time.

A push is one row of the Trellis activity CSV (docs/activity.md), so it goes through the
same importer as an uploaded file: the same checks, space mappings, volumes and audit
entry, and the rollups cannot differ from what an import of the same figures gives.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from trellis.activity.models import Source, Space, SpaceDay
from trellis.activity.services import activity_import
from trellis.communities.models import SpaceLink
from trellis.core.audit import Actor

PUSH_SOURCE = Source.CSV


class UnknownSpace(Exception):
    pass


class PushRejected(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class DayFigures:
    posts: int
    replies: int
    reactions: int = 0
    active_authors: int | None = None


def space_is_known(external_id: str) -> bool:
    """Imported once from the activity CSV, or declared in spaces.csv for a community."""
    return (
        Space.objects.filter(source=PUSH_SOURCE, external_id=external_id).exists()
        or SpaceLink.objects.filter(source=PUSH_SOURCE, space=external_id).exists()
    )


def activity_day_push(*, actor: Actor, space_id: str, day: dt.date, figures: DayFigures) -> str:
    """Store one space's figures for one day; returns "new", "updated" or "unchanged".

    1. An unknown space is refused (UnknownSpace): a typo must not create a space.
    2. Figures equal to the stored ones change nothing, not even the audit trail.
    3. Otherwise the row goes through `activity_import` as a one-line activity CSV, all
       or nothing; a row the importer rejects raises PushRejected with its reasons.
    """
    if not space_is_known(space_id):
        raise UnknownSpace(space_id)
    space = Space.objects.filter(source=PUSH_SOURCE, external_id=space_id).first()
    if space is not None:
        stored = SpaceDay.objects.filter(space=space, day=day, staff=False).first()
        if stored is not None and (
            stored.posts,
            stored.replies,
            stored.reactions,
            stored.active_authors,
        ) == (figures.posts, figures.replies, figures.reactions, figures.active_authors):
            return "unchanged"
    with tempfile.TemporaryDirectory(prefix="trellis-push-") as folder:
        path = Path(folder) / "activity.csv"
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(
                [
                    "space_id",
                    "space_name",
                    "date",
                    "posts",
                    "replies",
                    "reactions",
                    "active_authors",
                ]
            )
            writer.writerow(
                [
                    space_id,
                    space.name if space is not None and space.name else space_id,
                    day.isoformat(),
                    figures.posts,
                    figures.replies,
                    figures.reactions,
                    "" if figures.active_authors is None else figures.active_authors,
                ]
            )
        report = activity_import(
            actor=actor, source=PUSH_SOURCE, path=path, filename=f"api push {space_id} {day}"
        )
    if not report.applied:
        raise PushRejected([error.reason for error in report.errors])
    return "new" if report.new else "updated" if report.updated else "unchanged"
