"""The documented health rules (docs/health.md): thresholds, reasons and how they combine.

Pure functions, no database: selectors.health_statuses gathers the figures and calls
`evaluate`; tests build figures by hand to check each rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from trellis.health.models import STATUS_RANK, Status
from trellis.health.questionnaire import CAUSES_BY_KEY, SERIOUS

INFO = "info"  # shown with the reasons, never changes the status


@dataclass(frozen=True)
class Thresholds:
    """Every number the rules use; settings HEALTH_* override them (docs/configuration.md)."""

    activity_drop_amber: float = 0.30  # messages fell by at least 30 % ...
    activity_drop_red: float = 0.60  # ... or by at least 60 %
    activity_min_messages: int = 10  # previous period under this: too few to compare
    contributors_drop_amber: float = 0.30
    contributors_min: int = 5
    no_event_amber_months: int = 6
    no_event_red_months: int = 12
    charter_due_month: int = 3  # the year's charter is expected by the end of March
    survey_min_score: float = 3.0  # engagement and value scores, on the survey's 1-5 scale
    questionnaire_valid_days: int = 183  # an older questionnaire no longer counts
    ambers_make_red: int = 3  # this many amber reasons together make the status red

    @classmethod
    def from_settings(cls) -> Thresholds:
        """The defaults, overridden by the HEALTH_* settings (docs/configuration.md)."""
        defaults = cls()

        def get(name: str, default: float) -> Any:
            return getattr(settings, name, default)

        return cls(
            no_event_amber_months=get(
                "HEALTH_NO_EVENT_AMBER_MONTHS", defaults.no_event_amber_months
            ),
            no_event_red_months=get("HEALTH_NO_EVENT_RED_MONTHS", defaults.no_event_red_months),
            charter_due_month=get("HEALTH_CHARTER_DUE_MONTH", defaults.charter_due_month),
            questionnaire_valid_days=get(
                "HEALTH_QUESTIONNAIRE_VALID_DAYS", defaults.questionnaire_valid_days
            ),
            activity_drop_amber=get("HEALTH_ACTIVITY_DROP_AMBER_PCT", 30) / 100,
            activity_drop_red=get("HEALTH_ACTIVITY_DROP_RED_PCT", 60) / 100,
        )


@dataclass(frozen=True)
class Reason:
    """Why a community is not green: a rule's code, its severity and its figures."""

    code: str
    severity: str  # Status.RED, Status.AMBER or INFO
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return describe(self.code, self.params)[0]

    @property
    def action(self) -> str:
        return describe(self.code, self.params)[1]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "params": self.params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        return cls(data["code"], data["severity"], dict(data.get("params") or {}))


@dataclass
class Figures:
    """What Trellis knows about one community, gathered set-based by the selector."""

    has_leader: bool = True
    has_sponsor: bool = True
    spaces: int = 0
    messages_last: int = 0  # posts + replies, the last three complete months
    messages_prev: int = 0  # the three months before
    contributors_last: int = 0
    contributors_prev: int = 0
    charter_year: int | None = None  # the latest year with a charter version
    last_event: dt.date | None = None  # latest held or past planned event, not cancelled
    launched: dt.date | None = None
    survey: dict[str, Any] | None = None  # the KPI survey figures, or {"suppressed": True}
    answers: dict[str, int] | None = None  # the latest questionnaire still valid
    answered_on: dt.date | None = None
    letters_expired: int | None = None  # None: Trellis has no engagement letters yet


@dataclass
class Health:
    status: str
    reasons: list[Reason]
    figures: Figures | None = None

    @property
    def actions(self) -> list[str]:
        seen: list[str] = []
        for reason in self.reasons:
            if reason.severity != INFO and reason.action not in seen:
                seen.append(reason.action)
        return seen

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": [r.as_json() for r in self.reasons]}


def combine(reasons: list[Reason], ambers_make_red: int = 3) -> str:
    """Red if any reason is red or `ambers_make_red` reasons are amber; amber if any is."""
    severities = [r.severity for r in reasons]
    if Status.RED in severities or severities.count(Status.AMBER) >= ambers_make_red:
        return Status.RED
    if Status.AMBER in severities:
        return Status.AMBER
    return Status.GREEN


def worse(a: str, b: str) -> bool:
    return STATUS_RANK[Status(a)] > STATUS_RANK[Status(b)]


def _months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from `earlier` to `later` (0 when later is in the same month-day span)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def _drop(last: int, prev: int) -> float:
    return (prev - last) / prev if prev else 0.0


def evaluate(figures: Figures, today: dt.date, t: Thresholds | None = None) -> Health:
    """The status of one community from its figures, rule by rule (docs/health.md)."""
    t = t or Thresholds()
    reasons: list[Reason] = []
    # R1, R2: the roles the charter needs.
    if not figures.has_leader:
        reasons.append(Reason("no_leader", Status.RED))
    if not figures.has_sponsor:
        reasons.append(Reason("no_sponsor_role", Status.AMBER))
    # R3, R4: ESN activity, last three complete months against the three before.
    drop = _drop(figures.messages_last, figures.messages_prev)
    params = {
        "last": figures.messages_last,
        "prev": figures.messages_prev,
        "pct": round(drop * 100),
    }
    if figures.messages_prev >= t.activity_min_messages and drop >= t.activity_drop_red:
        reasons.append(Reason("activity_drop", Status.RED, params))
    elif figures.messages_prev >= t.activity_min_messages and drop >= t.activity_drop_amber:
        reasons.append(Reason("activity_drop", Status.AMBER, params))
    elif figures.spaces and figures.messages_last == 0:
        reasons.append(Reason("no_activity", Status.AMBER))
    drop = _drop(figures.contributors_last, figures.contributors_prev)
    if figures.contributors_prev >= t.contributors_min and drop >= t.contributors_drop_amber:
        reasons.append(
            Reason(
                "contributors_drop",
                Status.AMBER,
                {
                    "last": figures.contributors_last,
                    "prev": figures.contributors_prev,
                    "pct": round(drop * 100),
                },
            )
        )
    # R5: the charter of the year, once its due month has passed.
    if today.month > t.charter_due_month and (
        figures.charter_year is None or figures.charter_year < today.year
    ):
        reasons.append(Reason("charter_outdated", Status.AMBER, {"year": today.year}))
    # R6: events. A community launched recently counts from its launch.
    since = figures.last_event or figures.launched
    if since is not None:
        months = _months_between(since, today)
        if months >= t.no_event_red_months:
            reasons.append(Reason("no_event", Status.RED, {"months": months}))
        elif months >= t.no_event_amber_months:
            reasons.append(Reason("no_event", Status.AMBER, {"months": months}))
    # R7: engagement letters past their end (when the programme has letters).
    if figures.letters_expired:
        reasons.append(Reason("letters_expired", Status.AMBER, {"n": figures.letters_expired}))
    # R8: survey scores; a suppressed group is unknown, never a reason.
    survey = figures.survey or {}
    if not survey.get("suppressed"):
        for key in ("engagement_score", "value_score"):
            score = survey.get(key)
            if score is not None and score < t.survey_min_score:
                reasons.append(Reason(f"low_{key}", Status.AMBER, {"score": round(score, 1)}))
    # R9: the leader's questionnaire.
    if figures.answers is None:
        reasons.append(Reason("questionnaire_missing", INFO))
    else:
        for key, value in figures.answers.items():
            cause = CAUSES_BY_KEY.get(key)
            if cause is not None and value == SERIOUS:
                severity = Status.RED if cause.critical else Status.AMBER
                reasons.append(Reason(f"cause:{key}", severity))
    # Worst first, so the first reason explains the colour.
    order = {Status.RED: 0, Status.AMBER: 1, INFO: 2}
    reasons.sort(key=lambda r: order[r.severity])
    return Health(combine(reasons, t.ambers_make_red), reasons, figures)


def describe(code: str, params: dict[str, Any]) -> tuple[str, str]:
    """The reason's sentence and its recommended action, in the active language."""
    if code.startswith("cause:"):
        cause = CAUSES_BY_KEY.get(code.removeprefix("cause:"))
        if cause is None:
            return code, ""
        return (
            gettext("The leader reports a serious problem: %(question)s")
            % {"question": str(cause.question)},
            str(cause.action),
        )
    if code == "letters_expired":
        n = int(params.get("n", 0))
        return (
            ngettext(
                "%(n)s engagement letter has expired.",
                "%(n)s engagement letters have expired.",
                n,
            )
            % {"n": n},
            gettext("Renew the engagement letters with the managers concerned."),
        )
    texts = REASON_TEXTS.get(code)
    if texts is None:
        return code, ""
    try:
        return str(texts[0]) % params, str(texts[1])
    except (KeyError, TypeError, ValueError):
        return str(texts[0]), str(texts[1])


REASON_TEXTS: dict[str, tuple[Any, Any]] = {
    "no_leader": (
        _("The community has no active leader or co-leader."),
        _("Appoint a leader, or plan to close or merge the community."),
    ),
    "no_sponsor_role": (
        _("The community has no sponsor."),
        _("Find a sponsor among the managers who benefit from the community."),
    ),
    "activity_drop": (
        _(
            "ESN messages fell by %(pct)s %% over the last three months "
            "(%(last)s against %(prev)s)."
        ),
        _("Ask the leader what changed; plan a call for contributions or an event."),
    ),
    "no_activity": (
        _("No ESN message in the community's spaces over the last three months."),
        _("Check that the spaces are still in use and mapped to the community."),
    ),
    "contributors_drop": (
        _(
            "Active contributors fell by %(pct)s %% over the last three months "
            "(%(last)s against %(prev)s)."
        ),
        _("Invite former contributors back with a question or an event that concerns them."),
    ),
    "charter_outdated": (
        _("The charter has no version for %(year)s."),
        _("Update the charter with this year's objectives and have it approved."),
    ),
    "no_event": (
        _("No event for %(months)s months."),
        _("Plan a webinar or a meeting in the next two months."),
    ),
    "low_engagement_score": (
        _("Low engagement in the member survey (%(score)s out of 5)."),
        _("Discuss the survey results with members and agree on changes."),
    ),
    "low_value_score": (
        _("Members see little value in the survey (%(score)s out of 5)."),
        _("Collect success stories and make the community's value visible."),
    ),
    "questionnaire_missing": (
        _("The leader has not filled in the health questionnaire recently."),
        _("The leader fills in the health questionnaire."),
    ),
}
