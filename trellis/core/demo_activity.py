"""ESN activity and events for the demo programme, so that `trellis demo` shows a living
dashboard (messages per month, active contributors, webinars and attendance).

The messages go through the real importer: a Viva Engage export (Messages.csv) is written to
a temporary ZIP for the demo's Viva Engage spaces and imported with `activity_import`, so the
demo's rollups, mappings, authors and audit entry are exactly what an office would get from
its own export. Authors are members of the community on the day they write; busy and quiet
communities follow a long tail; dormant and closed communities fall silent. Held events
(webinars, meetings, workshops) with attendee counts complete the year.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from trellis.activity.models import Event
from trellis.activity.services import activity_import
from trellis.communities.models import Community, Membership, SpaceLink, Stage
from trellis.people.models import Person

MONTHS = 30  # of history, ending today
TITLES = {
    "en": ("Monthly webinar", "Practice sharing", "Lessons learned", "Expert talk"),
    "fr": ("Webinaire mensuel", "Partage de pratiques", "Retour d'expérience", "Parole d'expert"),
}
EVENT_TYPES = (Event.Type.WEBINAR, Event.Type.WEBINAR, Event.Type.MEETING, Event.Type.WORKSHOP)
HEADER = (
    "id",
    "thread_id",
    "group_id",
    "group_name",
    "sender_id",
    "sender_name",
    "sender_email",
    "created_at",
    "message_type",
)


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(dt.date(year, month + 1, 1))
    return starts


def _silent_from(community: Community, today: dt.date) -> dt.date:
    """Dormant communities stopped talking eight months ago; closed ones a year ago."""
    if community.stage == Stage.DORMANT:
        return today - dt.timedelta(days=240)
    if community.stage == Stage.CLOSED:
        return today - dt.timedelta(days=365)
    return today + dt.timedelta(days=1)


def seed_activity(*, seed: int, today: dt.date | None = None) -> dict[str, int]:
    """Add the demo's ESN messages (through the importer) and held events; returns counts."""
    today = today or timezone.localdate()
    rng = random.Random(f"{seed}/activity")
    links = dict(
        SpaceLink.objects.filter(source=SpaceLink.Source.VIVA_ENGAGE).values_list(
            "community_id", "space"
        )
    )
    communities = [
        c
        for c in Community.objects.filter(pk__in=links, launched__isnull=False).order_by("pk")
        if c.stage in (Stage.ACTIVE, Stage.DORMANT, Stage.CLOSED)
    ]
    members: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    for community_id, person_id, joined, left in Membership.objects.filter(
        community__in=communities
    ).values_list("community_id", "person_id", "joined", "left"):
        members[community_id].append((person_id, joined, left))
    people = {
        pk: (name, email)
        for pk, name, email in Person.objects.filter(
            pk__in={m[0] for rows in members.values() for m in rows}
        ).values_list("pk", "name", "email")
    }
    starts = _month_starts(today, MONTHS)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    message_id = 10_000_000
    events: list[Event] = []
    for community in communities:
        crowd = members.get(community.pk, [])
        if not crowd:
            continue
        group_id = f"g{community.pk}"
        busy = rng.paretovariate(1.5)  # a long tail: a few very busy communities
        silent = _silent_from(community, today)
        language = (community.language_list or ["en"])[0]
        titles = TITLES["fr" if language == "fr" else "en"]
        assert community.launched is not None
        for start in starts:
            if start < community.launched.replace(day=1) or start >= silent:
                continue
            days = ((start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - start).days
            last = min(days, (today - start).days + 1)
            end = start + dt.timedelta(days=last - 1)
            # Members during the whole month write; an eighth of them most of the time.
            present = [
                p for p, joined, left in crowd if joined <= start and (left is None or left > end)
            ]
            if not present:
                continue
            regulars = present[: max(3, len(present) // 8)]
            for _n in range(int(rng.uniform(4, 14) * min(busy, 12))):
                day = start + dt.timedelta(days=rng.randrange(last))
                author = rng.choice(regulars if rng.random() < 0.9 else present)
                name, email = people[author]
                message_id += 1
                thread = message_id if rng.random() < 0.35 else message_id - rng.randint(1, 5)
                moment = dt.datetime.combine(day, dt.time(rng.randint(7, 18), rng.randrange(60)))
                writer.writerow(
                    (
                        message_id,
                        thread,
                        group_id,
                        links[community.pk],
                        f"u{author}",
                        name,
                        email,
                        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "update",
                    )
                )
            if rng.random() < 0.45 and start + dt.timedelta(days=14) < today:
                held = dt.datetime.combine(
                    start + dt.timedelta(days=rng.randint(3, 20)), dt.time(rng.choice((10, 14)))
                ).replace(tzinfo=dt.UTC)
                events.append(
                    Event(
                        community=community,
                        type=rng.choice(EVENT_TYPES),
                        title=rng.choice(titles),
                        start=held,
                        end=held + dt.timedelta(hours=1),
                        status=Event.Status.HELD,
                        attendee_count=max(3, int(len(crowd) * rng.uniform(0.05, 0.3))),
                    )
                )
    with tempfile.TemporaryDirectory(prefix="trellis-demo-") as folder:
        path = Path(folder) / "viva-engage-demo.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("Messages.csv", out.getvalue())
        with transaction.atomic():
            report = activity_import(
                actor=None, source="viva-engage", path=path, filename="viva-engage-demo.zip"
            )
            Event.objects.bulk_create(events, batch_size=500)
    if not report.ok:  # generated here: a failure is a bug, never the user's input
        raise RuntimeError(f"demo activity import failed: {[str(e) for e in report.errors[:3]]}")
    return {"messages": report.new, "events": len(events)}
