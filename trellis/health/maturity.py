"""The maturity grid: four levels for each of the seed's eight pillars.

Level 1 is where a programme starts, level 4 what the seed's mature programme does. The
recommended next step for a pillar is the descriptor of the level above its current one.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trellis.health.models import Pillar

LEVEL_NAMES: dict[int, str | Promise] = {
    1: _("Initial"),
    2: _("Developing"),
    3: _("Established"),
    4: _("Leading"),
}

LEVELS: dict[str, dict[int, str | Promise]] = {
    Pillar.LEADERSHIP: {
        1: _("No sponsor: communities depend on the goodwill of their leaders."),
        2: _("Some communities have a sponsor; the programme has no executive sponsor."),
        3: _("Every community has a sponsor and the programme an executive sponsor."),
        4: _("Sponsors steer with the dashboards and present results to top management."),
    },
    Pillar.RESOURCES: {
        1: _("No budget or tools set aside for communities."),
        2: _("Resources are granted case by case, without a yearly plan."),
        3: _("Each community requests resources yearly; grants and use are tracked."),
        4: _("Resources follow the value communities prove; the budget is reviewed yearly."),
    },
    Pillar.GROWTH: {
        1: _("Leaders work on their own time; problems are not escalated."),
        2: _("Some leaders have an informal agreement with their manager."),
        3: _("Engagement letters grant time to leaders and core teams; escalations are handled."),
        4: _("Letters are renewed yearly for all; a mediator resolves conflicts quickly."),
    },
    Pillar.GOVERNANCE: {
        1: _("Communities have no charter or defined roles."),
        2: _("Some communities have a charter; roles are informal."),
        3: _("Every community has roles, a sponsor and a charter with yearly objectives."),
        4: _("Charters are approved yearly and the tangible value is measured against them."),
    },
    Pillar.ACCOMPANIMENT: {
        1: _("Communities appear and fade without support."),
        2: _("The programme office helps new communities on request."),
        3: _("New communities go through incubation; existing ones get health checks."),
        4: _("Health checks are routine; struggling communities are put back on track or closed."),
    },
    Pillar.COACHING: {
        1: _("Leaders get no training or coaching."),
        2: _("Occasional training is offered to leaders."),
        3: _("Leaders form a community, are trained and coached."),
        4: _("Leaders assess their competencies yearly and follow a development path."),
    },
    Pillar.RECOGNITION: {
        1: _("Contributions to communities go unrecognised."),
        2: _("Some successes are celebrated informally."),
        3: _("Awards and labels recognise communities and people every year."),
        4: _("Community work counts in appraisals and careers."),
    },
    Pillar.COMMUNICATION: {
        1: _("Communities are hard to find; nothing is published about them."),
        2: _("A list of communities exists; news is shared occasionally."),
        3: _("A catalogue, an events calendar and a regular newsletter."),
        4: _("Communities' value is shown to the whole organisation through stories and reports."),
    },
}


def descriptor(pillar: str, level: int) -> str:
    return str(LEVELS[pillar][level])


def next_step(pillar: str, level: int) -> str | None:
    """What the pillar's next level asks for; None at the top level."""
    return descriptor(pillar, level + 1) if level < 4 else None
