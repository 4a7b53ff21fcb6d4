"""Template helpers of the recognition area: a criterion's label, and the awards block that
community and person pages include (one selector call each)."""

from __future__ import annotations

from typing import Any

from django import template

from trellis.communities.models import Community
from trellis.people.models import Person
from trellis.recognition.eligibility import criterion_text
from trellis.recognition.models import Criterion
from trellis.recognition.selectors import campaigns_to_act_on, community_awards, person_awards

register = template.Library()


@register.simple_tag(name="criterion_text")
def criterion_text_tag(criterion: Criterion) -> str:
    return criterion_text(criterion)


@register.inclusion_tag("recognition/_calls.html", takes_context=True)
def award_calls(context: dict[str, Any]) -> dict[str, Any]:
    """For the home page: campaigns where the user, a member of the programme, may act now."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"calls": [] if user is None else campaigns_to_act_on(user)}


@register.inclusion_tag("recognition/_awards.html")
def awards_of(nominee: Community | Person) -> dict[str, Any]:
    """The published awards and labels of a community or a person, latest first."""
    if isinstance(nominee, Community):
        return {"awards": community_awards(nominee)}
    return {"awards": person_awards(nominee)}
