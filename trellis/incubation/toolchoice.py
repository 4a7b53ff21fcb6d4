"""Choosing a collaboration tool: a guided checklist scored against the configured tools.

The scoring is deliberately plain so that every recommendation can be explained
(docs/incubation.md, "Choosing a tool"):

1. Hard requirements exclude a tool, with the reason: an audience larger than the tool
   serves, confidential content on a tool not fit for it, external members on a tool that
   refuses them.
2. Every other criterion gives points, each with a sentence saying why:
   - each exchange mode wanted (live, at one's own pace) and supported: 2 points;
   - each content kind wanted and supported: 1 point;
   - mobile use important and a good mobile app: 2 points;
   - fit with the ESN important: 1 point when linked to it, 2 when it is the ESN;
   - governance: 2 points when the tool asks no more effort than the community can give,
     0 when it asks one level more, -2 when two levels more.
3. The eligible tools are ranked by points (ties by name); the page shows the points out of
   the maximum the answers allow, the reasons for and against, and the excluded tools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from trellis.incubation.models import ContentKind, Effort, EsnFit, Tool


@dataclass(frozen=True)
class Needs:
    audience: int
    confidential: bool
    external_members: bool
    synchronous: bool
    asynchronous: bool
    content_kinds: tuple[str, ...]
    mobile: bool
    esn_fit: bool
    governance_capacity: int  # Effort value the community can afford


@dataclass
class Verdict:
    tool: Tool
    eligible: bool = True
    points: int = 0
    pros: list[str] = field(default_factory=list)
    cons: list[str] = field(default_factory=list)


def maximum(needs: Needs) -> int:
    """The most points a tool can get for these answers."""
    total = 2 * (int(needs.synchronous) + int(needs.asynchronous))
    total += len(needs.content_kinds)
    total += 2 if needs.mobile else 0
    total += 2 if needs.esn_fit else 0
    return total + 2  # governance


def judge(tool: Tool, needs: Needs) -> Verdict:
    verdict = Verdict(tool)
    if needs.audience > tool.max_audience:
        verdict.eligible = False
        verdict.cons.append(
            _("Serves up to %(max)s members; you expect %(audience)s.")
            % {"max": tool.max_audience, "audience": needs.audience}
        )
    if needs.confidential and not tool.confidential:
        verdict.eligible = False
        verdict.cons.append(_("Not fit for confidential content."))
    if needs.external_members and not tool.external_members:
        verdict.eligible = False
        verdict.cons.append(_("Does not accept members outside the company."))
    for wanted, supported, yes, no in (
        (
            needs.synchronous,
            tool.synchronous,
            _("Supports live exchanges."),
            _("No live exchanges."),
        ),
        (
            needs.asynchronous,
            tool.asynchronous,
            _("Supports exchanges at one's own pace."),
            _("No exchanges at one's own pace."),
        ),
    ):
        if wanted:
            if supported:
                verdict.points += 2
                verdict.pros.append(str(yes))
            else:
                verdict.cons.append(str(no))
    offered = set(tool.content_kinds or [])
    for kind in needs.content_kinds:
        label = ContentKind(kind).label
        if kind in offered:
            verdict.points += 1
            verdict.pros.append(_("Handles: %(kind)s.") % {"kind": label})
        else:
            verdict.cons.append(_("Does not handle: %(kind)s.") % {"kind": label})
    if needs.mobile:
        if tool.mobile:
            verdict.points += 2
            verdict.pros.append(_("Good mobile app."))
        else:
            verdict.cons.append(_("No good mobile app."))
    if needs.esn_fit:
        verdict.points += tool.esn_fit
        if tool.esn_fit == EsnFit.SEPARATE:
            verdict.cons.append(_("Separate from the ESN."))
        else:
            verdict.pros.append(str(EsnFit(tool.esn_fit).label) + ".")
    gap = tool.governance_effort - needs.governance_capacity
    effort = Effort(tool.governance_effort).label
    if gap <= 0:
        verdict.points += 2
        verdict.pros.append(
            _("Governance effort within your means (%(effort)s).") % {"effort": effort}
        )
    elif gap == 1:
        verdict.cons.append(
            _("Asks a little more governance effort than you can give (%(effort)s).")
            % {"effort": effort}
        )
    else:
        verdict.points -= 2
        verdict.cons.append(
            _("Asks much more governance effort than you can give (%(effort)s).")
            % {"effort": effort}
        )
    return verdict


def recommend(tools: Iterable[Tool], needs: Needs) -> tuple[list[Verdict], list[Verdict]]:
    """(eligible tools best first, excluded tools) for these answers."""
    verdicts = [judge(tool, needs) for tool in tools]
    eligible = sorted(
        (v for v in verdicts if v.eligible), key=lambda v: (-v.points, v.tool.name.lower())
    )
    excluded = sorted((v for v in verdicts if not v.eligible), key=lambda v: v.tool.name.lower())
    return eligible, excluded
