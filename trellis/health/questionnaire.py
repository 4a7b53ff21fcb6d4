"""The health questionnaire: known causes of failure of a community of practice.

Each cause is answered 0 (not a problem), 1 (partly) or 2 (a serious problem). The keys
are stored in HealthCheck.answers: never rename one (add new causes instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Cause:
    key: str
    question: str | Promise
    action: str | Promise
    # A cause that ends communities when serious (seed: a leader without time, no sponsor)
    # makes the status red on its own; the others make it amber.
    critical: bool = False


CAUSES: tuple[Cause, ...] = (
    Cause(
        "unclear_domain",
        _("The community's domain is unclear or too broad."),
        _("Rework the charter's purpose and scope with the core team; narrow the domain."),
    ),
    Cause(
        "leader_time",
        _("The leader lacks time for the community."),
        _("Ask for an engagement letter granting time, or share the role with a co-leader."),
        critical=True,
    ),
    Cause(
        "no_sponsor",
        _("The community has no engaged sponsor."),
        _("Ask the programme office to find a sponsor and meet them this quarter."),
        critical=True,
    ),
    Cause(
        "low_participation",
        _("Few members take part; the same few people do everything."),
        _("Plan short, concrete activities that invite members to contribute."),
    ),
    Cause(
        "no_visible_value",
        _("Members or their managers do not see the value the community brings."),
        _("Collect and publish a success story; share the results with managers."),
    ),
    Cause(
        "wrong_tool",
        _("The collaboration tool does not fit the community."),
        _("Review the community's tool with the programme office's tool checklist."),
    ),
    Cause(
        "no_core_team",
        _("There is no core team to share the work."),
        _("Recruit two or three active members into a core team."),
    ),
    Cause(
        "no_rhythm",
        _("The community has no regular rhythm of activities."),
        _("Set a calendar of regular events for the year and announce it."),
    ),
    Cause(
        "manager_support",
        _("Managers do not let members take part."),
        _("Ask the sponsor to speak to managers about the time members give."),
    ),
)

CAUSES_BY_KEY = {cause.key: cause for cause in CAUSES}

NOT_A_PROBLEM, PARTLY, SERIOUS = 0, 1, 2
ANSWER_CHOICES = (
    (NOT_A_PROBLEM, _("Not a problem")),
    (PARTLY, _("Partly")),
    (SERIOUS, _("A serious problem")),
)
