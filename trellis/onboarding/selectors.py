"""The programme spreadsheets as Trellis writes them: the same formats the imports read.

Rows come in a fixed order (slug; community, e-mail, dates; source, space) so that two
exports of the same programme are byte for byte identical, and cells pass through
`safe_cell` so that a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import F

from trellis.communities.models import Community, Membership, SpaceLink
from trellis.lib.safe_export import write_csv
from trellis.onboarding.services import COMMUNITY_COLUMNS, MEMBERSHIP_COLUMNS, SPACE_COLUMNS

EXPORT_CHUNK = 2000


def _labels(through: Any, fk: str) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = defaultdict(list)
    for community_id, name in through.objects.values_list("community_id", f"{fk}__name"):
        labels[community_id].append(name)
    return {k: sorted(v, key=lambda n: (n.lower(), n)) for k, v in labels.items()}


def communities_rows() -> Iterator[list[Any]]:
    tags = _labels(Community.tags.through, "tag")
    bus = _labels(Community.business_units.through, "businessunit")
    for c in Community.objects.order_by("slug").iterator(chunk_size=EXPORT_CHUNK):
        yield [
            c.slug,
            c.name,
            c.stage,
            c.launched,
            c.closed,
            c.purpose,
            "|".join(bus.get(c.pk, [])),
            "|".join(tags.get(c.pk, [])),
            c.languages,
        ]


def memberships_rows() -> Iterator[list[Any]]:
    """Every membership, ended ones included, so that the history round-trips."""
    qs = Membership.objects.order_by(
        "community__slug",
        "person__email",
        "joined",
        F("left").asc(nulls_last=True),
        "role",
        "pk",
    ).values_list("person__email", "community__slug", "role", "joined", "left", "person__name")
    for email, slug, role, joined, left, name in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield [email.lower(), slug, role, joined, left, name]


def spaces_rows() -> Iterator[list[Any]]:
    qs = SpaceLink.objects.order_by("source", "space").values_list(
        "source", "space", "community__slug", "url"
    )
    for source, space, slug, url in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield [source, space, slug, url]


EXPORTS = {
    "communities": (COMMUNITY_COLUMNS, communities_rows),
    "memberships": (MEMBERSHIP_COLUMNS, memberships_rows),
    "spaces": (SPACE_COLUMNS, spaces_rows),
}


def export_csv(kind: str) -> bytes:
    """communities.csv, memberships.csv or spaces.csv of the whole programme."""
    header, rows = EXPORTS[kind]
    return write_csv(rows(), header)
