"""Human labels of the KPI fields, and rows ready for a page (templates format the values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from trellis.activity.models import Event
from trellis.communities.models import Stage

FIELD_LABELS: dict[str, Any] = {
    "slug": _("Address"),
    "name": _("Community"),
    "stage": _("Stage at the end of the year"),
    "communities": _("Communities that count"),
    "communities_by_stage": _("Communities by stage"),
    "members": _("Members at the end of the year"),
    "members_sum": _("Members (sum over communities)"),
    "members_unique": _("Members (unique people)"),
    "new_members": _("New members"),
    "posts": _("Posts"),
    "replies": _("Replies"),
    "messages": _("Messages"),
    "reactions": _("Reactions"),
    "active_contributors": _("Active contributors"),
    "active_contributors_unique": _("Active contributors (unique people)"),
    "active_rate": _("Active contributors per member"),
    "events": _("Events held"),
    "events_by_type": _("Events by type"),
    "webinars": _("Webinars"),
    "attendance": _("Attendance"),
    "unique_attendees": _("Unique attendees"),
    "charter_updated": _("Charter updated with the year's objectives"),
    "charter_updated_rate": _("Share of communities with an updated charter"),
    "objectives": _("Objectives for the year"),
    "objectives_met": _("Objectives met"),
    "objectives_met_rate": _("Share of objectives met"),
    "has_sponsor": _("Sponsor in place"),
    "has_sponsor_rate": _("Share of communities with a sponsor"),
    "has_leader": _("Leader in place"),
    "has_leader_rate": _("Share of communities with a leader"),
    "letter_holders": _("Leaders and core-team members"),
    "letters_signed": _("Of whom with a signed engagement letter"),
    "letters_signed_rate": _("Engagement letters signed"),
    "stories": _("Success stories published"),
    "stories_quantified": _("Stories with a validated quantified benefit"),
    "value_hours": _("Hours saved (validated)"),
    "value_amount": _("Value in the programme currency (validated)"),
}

# Values whose name ends like this are shares between 0 and 1 (shown as percentages),
# except active_rate, which can exceed 1 (contributors who are not members).
RATE_SUFFIX = "_rate"

SUBKEY_LABELS: dict[str, Any] = {**dict(Stage.choices), **dict(Event.Type.choices)}


def kind_of(name: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "dict"
    if name.endswith(RATE_SUFFIX):
        return "rate"
    return "number"


def figure_rows(figures: dict[str, Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """[{"name", "label", "value", "kind", "parts"}] for a template to show as a table."""
    rows = []
    for name in names:
        if name not in figures or name in ("slug", "name"):
            continue
        value = figures[name]
        kind = kind_of(name, value)
        parts = []
        if kind == "dict":
            parts = [{"label": SUBKEY_LABELS.get(key, key), "value": n} for key, n in value.items()]
        if name == "stage":
            value, kind = SUBKEY_LABELS.get(value, value), "text"
        rows.append(
            {
                "name": name,
                "label": FIELD_LABELS.get(name, name),
                "value": value,
                "kind": kind,
                "parts": parts,
                "percent": value * 100 if kind == "rate" else None,
            }
        )
    return rows
