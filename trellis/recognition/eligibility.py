"""Eligibility criteria: which figures a criterion may use, and their values for nominees.

Values come from the KPIs of the campaign's year (kpis.selectors.compute_kpis), which carry
the survey's level-2 figures too; a survey figure that is suppressed for a group (under the
anonymity threshold) makes the criterion not met and is shown as suppressed, never as a
number. A person is judged on the communities where they hold an active membership: the
best of their communities' values counts, and the page names that community. Story
figures come from the stories area (stories.selectors.story_kpis): published stories of the
year, validated amounts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.communities.models import Community, Membership
from trellis.kpis.labels import FIELD_LABELS
from trellis.kpis.selectors import SUPPRESSED, SURVEY_FIELDS, compute_kpis
from trellis.recognition.models import Candidate, Category, Criterion
from trellis.stories.selectors import empty_figures, story_kpis

KPI_METRICS = (
    "members",
    "new_members",
    "posts",
    "replies",
    "messages",
    "reactions",
    "active_contributors",
    "active_rate",
    "events",
    "webinars",
    "attendance",
    "unique_attendees",
    "charter_updated",
    "objectives",
    "objectives_met",
    "objectives_met_rate",
    "has_sponsor",
    "has_leader",
)
BOOLEAN_METRICS = {"charter_updated", "has_sponsor", "has_leader"}
SURVEY_LABELS: dict[str, Any] = {
    "respondents": gettext_lazy("Survey respondents"),
    "response_rate": gettext_lazy("Survey response rate"),
    "engagement_score": gettext_lazy("Engagement score"),
    "value_score": gettext_lazy("Perceived value score"),
    "nps": gettext_lazy("Net promoter score"),
}
STORY_LABELS: dict[str, Any] = {
    "stories": gettext_lazy("Success stories published"),
    "stories_quantified": gettext_lazy("Stories with a quantified benefit"),
    "value_hours": gettext_lazy("Hours saved (validated)"),
    "value_amount": gettext_lazy("Amount of value (validated)"),
}


def metric_choices() -> list[tuple[str, list[tuple[str, Any]]]]:
    """Choices for the criterion form, grouped by source; values read "source:metric"."""
    groups: list[tuple[str, list[tuple[str, Any]]]] = [
        (
            str(Criterion.Source.KPI.label),
            [(f"kpi:{m}", FIELD_LABELS.get(m, m)) for m in KPI_METRICS],
        ),
        (
            str(Criterion.Source.SURVEY.label),
            [(f"survey:{m}", SURVEY_LABELS[m]) for m in SURVEY_FIELDS],
        ),
        (
            str(Criterion.Source.STORIES.label),
            [(f"stories:{m}", label) for m, label in STORY_LABELS.items()],
        ),
    ]
    return groups


def metric_label(criterion: Criterion) -> Any:
    if criterion.source == Criterion.Source.SURVEY:
        return SURVEY_LABELS.get(criterion.metric, criterion.metric)
    if criterion.source == Criterion.Source.STORIES:
        return STORY_LABELS.get(criterion.metric, criterion.metric)
    return FIELD_LABELS.get(criterion.metric, criterion.metric)


def criterion_text(criterion: Criterion) -> str:
    """The criterion as one sentence ("Active contributors at least 10"), localised."""
    label = metric_label(criterion)
    if criterion.operator == Criterion.Operator.TRUE:
        return _("%(figure)s is true") % {"figure": label}
    threshold = floatformat(criterion.threshold, "-2")
    if criterion.operator == Criterion.Operator.AT_LEAST:
        return _("%(figure)s at least %(threshold)s") % {"figure": label, "threshold": threshold}
    return _("%(figure)s at most %(threshold)s") % {"figure": label, "threshold": threshold}


@dataclass
class CriterionValue:
    criterion: Criterion
    label: Any
    value: Any = None  # a number, a bool, None (no figure) — never a suppressed number
    suppressed: bool = False
    met: bool = False
    community: str = ""  # for a person: the community whose figure counted
    text: str = ""  # criterion_text, computed once per criterion


@dataclass
class Eligibility:
    candidate: Candidate
    values: list[CriterionValue] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(v.met for v in self.values)


def _met(criterion: Criterion, value: Any) -> bool:
    if value is None or value == SUPPRESSED:
        return False
    if criterion.operator == Criterion.Operator.TRUE:
        return bool(value)
    if isinstance(value, bool) or criterion.threshold is None:
        return False
    number = Decimal(str(value))
    if criterion.operator == Criterion.Operator.AT_LEAST:
        return number >= criterion.threshold
    return number <= criterion.threshold


def _story_rows(year: int) -> dict[str, dict[str, Any]]:
    """Story figures (stories.selectors.story_kpis) per community slug."""
    by_id = story_kpis(year)
    slugs = dict(
        Community.objects.filter(pk__in=[k for k in by_id if k is not None]).values_list(
            "pk", "slug"
        )
    )
    return {slugs[k]: figures for k, figures in by_id.items() if k in slugs}


def category_eligibility(category: Category, candidates: list[Candidate]) -> list[Eligibility]:
    """Each nominee with the value of every criterion of the category and whether it is met."""
    criteria = list(category.criteria.all())
    if not criteria:
        return [Eligibility(candidate=c) for c in candidates]
    texts = {c.pk: criterion_text(c) for c in criteria}
    year = category.campaign.year
    kpis = {row["slug"]: row for row in compute_kpis(year).communities}
    stories = (
        _story_rows(year) if any(c.source == Criterion.Source.STORIES for c in criteria) else {}
    )
    person_ids = [c.person_id for c in candidates if c.person_id]
    slugs_of: dict[int, list[tuple[str, str]]] = {}
    for person_id, slug, name in (
        Membership.objects.filter(person_id__in=person_ids, left__isnull=True)
        .order_by("community__name")
        .values_list("person_id", "community__slug", "community__name")
    ):
        slugs_of.setdefault(person_id, []).append((slug, name))

    def figure(criterion: Criterion, slug: str) -> Any:
        if criterion.source == Criterion.Source.STORIES:
            # A community without a published story has zero of each (story_kpis omits it).
            if slug not in kpis:
                return None
            return stories.get(slug, empty_figures()).get(criterion.metric)
        row = kpis.get(slug)
        return None if row is None else row.get(criterion.metric)

    out = []
    for candidate in candidates:
        if candidate.community is not None:
            places = [(candidate.community.slug, "")]
        else:
            places = slugs_of.get(candidate.person_id or 0, [])
        result = Eligibility(candidate=candidate)
        for criterion in criteria:
            best = CriterionValue(
                criterion=criterion, label=metric_label(criterion), text=texts[criterion.pk]
            )
            for slug, name in places:
                value = figure(criterion, slug)
                option = CriterionValue(
                    criterion=criterion,
                    label=best.label,
                    value=None if value == SUPPRESSED else value,
                    suppressed=value == SUPPRESSED,
                    met=_met(criterion, value),
                    community=name,
                    text=best.text,
                )
                # A met value wins; otherwise the first figure found is shown.
                first = best.value is None and not best.suppressed
                if not best.met and (option.met or first):
                    best = option
            result.values.append(best)
        out.append(result)
    return out
