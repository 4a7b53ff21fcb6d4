"""Results of the annual survey, with the anonymity threshold and complementary suppression.

Two partitions, never crossed (docs/surveys.md):
- community sections, grouped by community; their parent is "all communities";
- the global section (one per respondent), grouped by business unit; its parent is the
  programme.
Every figure is computed from a handful of GROUP BY queries over the answers, whatever the
number of communities. A hidden group is returned as {"suppressed": True, ...} without any
figure; callers never get a number for it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast

from trellis.communities.models import Community
from trellis.people.models import BusinessUnit
from trellis.surveys.models import Answer, Campaign, Invitation, Question, Response
from trellis.surveys.suppression import suppressed_children

DISCRETE = (
    Question.Type.LIKERT,
    Question.Type.SCALE10,
    Question.Type.SINGLE,
    Question.Type.MULTIPLE,
)
ALL = "all"

# Two-sided 95 % Student t critical values for 1..30 degrees of freedom; 1.96 beyond.
_T95 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
]


def _tuples(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of a values_list() query straight from the cursor (no per-value converters:
    ids, counts and floats come back as they are), for the large GROUP BY results."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rows(qs: Any) -> Iterator[dict[str, Any]]:
    """Rows of a values() query, typed loosely (their keys vary per query)."""
    yield from qs


def t95(df: int) -> float:
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


@dataclass
class Moments:
    """Count, sum and sum of squares of one question's numeric answers in one group."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0
    distribution: dict[str, int] = field(default_factory=dict)

    def add(self, n: int, total: float, squares: float) -> None:
        self.n += n
        self.total += total
        self.squares += squares

    def summary(self) -> dict[str, Any]:
        if not self.n:
            return {"n": 0, "mean": None, "ci_low": None, "ci_high": None}
        mean = self.total / self.n
        if self.n > 1:
            variance = max(0.0, (self.squares - self.n * mean * mean) / (self.n - 1))
            half = t95(self.n - 1) * math.sqrt(variance / self.n)
        else:
            half = math.nan
        return {
            "n": self.n,
            "mean": round(mean, 2),
            "ci_low": None if math.isnan(half) else round(mean - half, 2),
            "ci_high": None if math.isnan(half) else round(mean + half, 2),
        }


def nps(distribution: dict[str, int]) -> float | None:
    """Net promoter score: % of 9–10 minus % of 0–6, from a 0–10 distribution."""
    n = sum(distribution.values())
    if not n:
        return None
    promoters = sum(c for v, c in distribution.items() if float(v) >= 9)
    detractors = sum(c for v, c in distribution.items() if float(v) <= 6)
    return round(100 * (promoters - detractors) / n, 1)


@dataclass
class Group:
    key: Any
    label: str
    respondents: int = 0
    invited: int | None = None
    questions: dict[int, Moments] = field(default_factory=lambda: defaultdict(Moments))

    def figures(self, questions: list[Question], detail: bool = True) -> dict[str, Any]:
        """Scores of kpis.md, plus (with `detail`) each question's summary and distribution."""
        if not detail:
            return self._scores(questions)
        pooled: dict[str, Moments] = defaultdict(Moments)
        per_question: dict[str, Any] = {}
        nps_value: float | None = None
        hours: float | None = None
        for q in questions:
            m = self.questions.get(q.pk) or Moments()
            if q.dimension in ("engagement", "value"):
                pooled[q.dimension].add(m.n, m.total, m.squares)
            elif q.dimension == "nps":
                nps_value = nps(m.distribution)
            elif q.dimension == "hours":
                hours = m.summary()["mean"]
            if not detail:
                continue
            entry: dict[str, Any] = m.summary() if q.type != Question.Type.TEXT else {"n": m.n}
            entry["distribution"] = dict(m.distribution)
            if q.dimension == "nps":
                entry["nps"] = nps_value
            per_question[q.code] = entry
        figures = {
            "respondents": self.respondents,
            "invited": self.invited,
            "response_rate": (round(self.respondents / self.invited, 4) if self.invited else None),
            "engagement_score": pooled["engagement"].summary()["mean"],
            "value_score": pooled["value"].summary()["mean"],
            "nps": nps_value,
            "hours_saved": hours,
        }
        if detail:
            figures["questions"] = per_question
        return figures


    def _scores(self, questions: list[Question]) -> dict[str, Any]:
        """The scores alone: the same figures as figures(), computed without building a
        summary per question (thousands of groups on the office's overview and the KPIs).
        """
        found = self.questions
        sums = {"engagement": [0, 0.0], "value": [0, 0.0]}
        nps_value: float | None = None
        hours: float | None = None
        for q in questions:
            m = found.get(q.pk)
            dimension = q.dimension
            if dimension in sums:
                if m is not None:
                    sums[dimension][0] += m.n
                    sums[dimension][1] += m.total
            elif dimension == "nps":
                nps_value = nps(m.distribution) if m is not None else None
            elif dimension == "hours":
                hours = round(m.total / m.n, 2) if m is not None and m.n else None
        engagement_n, engagement_total = sums["engagement"]
        value_n, value_total = sums["value"]
        return {
            "respondents": self.respondents,
            "invited": self.invited,
            "response_rate": (round(self.respondents / self.invited, 4) if self.invited else None),
            "engagement_score": (
                round(engagement_total / engagement_n, 2) if engagement_n else None
            ),
            "value_score": round(value_total / value_n, 2) if value_n else None,
            "nps": nps_value,
            "hours_saved": hours,
        }


@dataclass
class CampaignResults:
    campaign: Campaign
    k: int
    global_questions: list[Question]
    community_questions: list[Question]
    programme: dict[str, Any]
    all_communities: dict[str, Any]
    communities: dict[int, dict[str, Any]]
    business_units: dict[int | None, dict[str, Any]]


def _shown(
    group: Group, questions: list[Question], hidden: bool, k: int, detail: bool = True
) -> dict[str, Any]:
    base = {"key": group.key, "label": group.label, "k": k}
    if hidden:
        # Never a number for a hidden group, not even its respondents.
        return {**base, "suppressed": True}
    return {**base, "suppressed": False, **group.figures(questions, detail)}


def campaign_results(
    campaign: Campaign, *, detail: bool | Collection[int] = True
) -> CampaignResults:
    """Every group's figures for a campaign, suppression applied (a fixed number of queries).

    `detail`: True for every group's per-question summaries and distributions, False for
    the scores only (the office's overview, the KPIs), or a set of community ids to detail
    only those (a community's page). The programme and pooled groups are always detailed.
    """
    k = campaign.min_respondents
    questions = list(campaign.template.questions.order_by("position", "pk"))
    global_q = [q for q in questions if q.section == Question.Section.GLOBAL]
    community_q = [q for q in questions if q.section == Question.Section.COMMUNITY]

    communities: dict[int, Group] = {}
    units: dict[int | None, Group] = {}
    names = dict(Community.objects.values_list("pk", "name"))
    unit_names = dict(BusinessUnit.objects.values_list("pk", "name"))

    def community(cid: int) -> Group:
        if cid not in communities:
            communities[cid] = Group(cid, names.get(cid, str(cid)))
        return communities[cid]

    def unit(bid: int | None) -> Group:
        if bid not in units:
            label = unit_names.get(bid, "") if bid is not None else ""
            units[bid] = Group(bid, label)
        return units[bid]

    # 1. respondents per group
    counts = (
        Response.objects.filter(campaign=campaign)
        .values("community", "business_unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in _rows(counts):
        group = community(row["community"]) if row["community"] else unit(row["business_unit"])
        group.respondents += row["n"]

    # 2. invited per group (counts only; not for campaigns run in another tool)
    if not campaign.external:
        invited = (
            Invitation.communities.through.objects.filter(invitation__campaign=campaign)
            .values("community")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in _rows(invited):
            community(row["community"]).invited = row["n"]
        by_unit = (
            Invitation.objects.filter(campaign=campaign)
            .values("person__business_unit")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in _rows(by_unit):
            unit(row["person__business_unit"]).invited = row["n"]

    # 3. distributions of the discrete questions, and moments of the numeric ones.
    # One pass over ~250k grouped rows at enterprise scale: everything a row feeds (its
    # group's distribution and moments, and the pooled parent's tally) is updated in
    # place, with per-question facts and value labels looked up once, not per row.
    answers = Answer.objects.filter(campaign=campaign).order_by()
    groups: dict[tuple[int | None, int | None], Group] = {}

    def group_of(community_id: int | None, unit_id: int | None) -> Group:
        found = groups.get((community_id, unit_id))
        if found is None:
            found = community(community_id) if community_id else unit(unit_id)
            groups[(community_id, unit_id)] = found
        return found

    choice_labels = {
        q.pk: {float(i): str(c["value"]) for i, c in enumerate(q.choices)}
        for q in questions
        if q.type in (Question.Type.SINGLE, Question.Type.MULTIPLE)
    }
    single = {q.pk for q in questions if q.type == Question.Type.SINGLE}
    number_labels: dict[float, str] = {}
    # Parents (programme: global sections; pooled: community sections) tallied per value.
    pooled_tally: dict[tuple[bool, int, float | None], int] = defaultdict(int)

    discrete_ids = [q.pk for q in questions if q.type in DISCRETE]
    rows = (
        answers.filter(question__in=discrete_ids)
        .values("question", "community", "business_unit", "number")
        .annotate(n=Count("pk"))
        .values_list("question", "community", "business_unit", "number", "n")
    )
    for qid, cid, bid, number, n in _tuples(rows):
        pooled_tally[(cid is not None, qid, number)] += n
        g = groups.get((cid, bid))
        if g is None:
            g = group_of(cid, bid)
        m = g.questions[qid]
        dist = m.distribution
        labels = choice_labels.get(qid)
        if labels is not None:
            label = labels.get(float(number), "?") if number is not None else "?"
            dist[label] = dist.get(label, 0) + n
            if qid in single:
                m.n += n
        else:
            x = float(number or 0)
            known = number_labels.get(x)
            if known is None:
                known = number_labels[x] = f"{x:g}"
            dist[known] = dist.get(known, 0) + n
            m.n += n
            m.total += x * n
            m.squares += x * x * n
    numeric = (
        answers.filter(
            question__in=[q.pk for q in questions if q.type == Question.Type.NUMBER],
            number__isnull=False,
        )
        .values("question", "community", "business_unit")
        .annotate(
            n=Count("pk"),
            total=Sum("number"),
            squares=Sum(Cast(F("number"), FloatField()) * F("number")),
        )
        .values_list("question", "community", "business_unit", "n", "total", "squares")
    )
    pooled_moments: dict[tuple[bool, int], Moments] = defaultdict(Moments)
    for qid, cid, bid, n, total, squares in _tuples(numeric):
        group_of(cid, bid).questions[qid].add(n, total or 0.0, squares or 0.0)
        pooled_moments[(cid is not None, qid)].add(n, total or 0.0, squares or 0.0)
    texts = (
        answers.filter(question__in=[q.pk for q in questions if q.type == Question.Type.TEXT])
        .values("question", "community", "business_unit")
        .annotate(n=Count("pk"))
        .values_list("question", "community", "business_unit", "n")
    )
    for qid, cid, bid, n in _tuples(texts):
        group_of(cid, bid).questions[qid].n += n
        pooled_moments[(cid is not None, qid)].n += n

    # 4. parents are the sums of their (disjoint) children: respondents and invited from
    # the children, answers from the tallies of step 3 (the same sums, in fewer steps).
    def parent(label: str, children: dict[Any, Group], of_communities: bool) -> Group:
        total = Group(ALL, label)
        total.invited = None
        for child in children.values():
            total.respondents += child.respondents
            if child.invited is not None:
                total.invited = (total.invited or 0) + child.invited
        for (side, qid), moments in pooled_moments.items():
            if side == of_communities:
                total.questions[qid].add(moments.n, moments.total, moments.squares)
        for (side, qid, number), n in pooled_tally.items():
            if side != of_communities:
                continue
            m = total.questions[qid]
            labels = choice_labels.get(qid)
            if labels is not None:
                label = labels.get(float(number), "?") if number is not None else "?"
                if qid in single:
                    m.n += n
            else:
                x = float(number or 0)
                label = f"{x:g}"
                m.add(n, x * n, x * x * n)
            m.distribution[label] = m.distribution.get(label, 0) + n
        return total

    programme = parent("", units, of_communities=False)
    if not campaign.external:
        # The programme's invited are people (one invitation each), not memberships.
        programme.invited = campaign.invitations.count()
    all_communities = parent("", communities, of_communities=True)
    all_communities.invited = None

    # 5. suppression (docs/surveys.md)
    hidden_c = suppressed_children({c: g.respondents for c, g in communities.items()}, k)
    hidden_u = suppressed_children({u: g.respondents for u, g in units.items()}, k)
    return CampaignResults(
        campaign=campaign,
        k=k,
        global_questions=global_q,
        community_questions=community_q,
        programme=_shown(programme, global_q, programme.respondents < k, k),
        all_communities=_shown(all_communities, community_q, all_communities.respondents < k, k),
        communities={
            c: _shown(
                g,
                community_q,
                c in hidden_c,
                k,
                detail if isinstance(detail, bool) else c in detail,
            )
            for c, g in communities.items()
        },
        business_units={
            u: _shown(g, global_q, u in hidden_u, k, detail is True) for u, g in units.items()
        },
    )


def comments(
    campaign: Campaign, community: Community | None, results: CampaignResults
) -> list[str]:
    """Free-text answers of a group with enough respondents, in alphabetical order.

    Only per community (or for the programme's global section): comments are never pooled
    over communities, so no list of comments can be subtracted from another.
    """
    group = (
        results.programme
        if community is None
        else results.communities.get(community.pk, {"suppressed": True})
    )
    if group.get("suppressed") or group.get("respondents", 0) < campaign.min_comments:
        return []
    qs = Answer.objects.filter(
        campaign=campaign,
        community=community,
        question__type=Question.Type.TEXT,
    ).exclude(text="")
    # Sorted, never in submission order: the order would hint at who wrote what.
    return sorted(qs.values_list("text", flat=True))


def previous_campaign(campaign: Campaign) -> Campaign | None:
    return (
        Campaign.objects.filter(year__lt=campaign.year, status=Campaign.Status.PUBLISHED)
        .order_by("-year", "-id")
        .first()
    )


def published_campaign(year: int) -> Campaign | None:
    return (
        Campaign.objects.filter(year=year, status=Campaign.Status.PUBLISHED)
        .order_by("-published_at", "-id")
        .first()
    )


KPI_KEYS = ("respondents", "response_rate", "engagement_score", "value_score", "nps")


def _kpi(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("suppressed"):
        return {"suppressed": True}
    return {key: entry.get(key) for key in KPI_KEYS}


def survey_kpis(year: int) -> dict[str, Any]:
    """The survey figures of kpis.md for the year's published campaign.

    {"programme": {...}, "communities": {community_id: {...}}}; each figure set is
    {respondents, response_rate, engagement_score, value_score, nps}, or {"suppressed": True}
    for a group under the campaign's threshold (never a number). No published campaign in
    the year: {"programme": {}, "communities": {}}.
    The programme's respondents and response rate count people (the global section); its
    scores pool every community section.
    """
    campaign = published_campaign(year)
    if campaign is None:
        return {"programme": {}, "communities": {}}
    results = campaign_results(campaign, detail=False)
    programme = _kpi(results.programme)
    if not programme.get("suppressed"):
        pooled = results.all_communities
        if pooled.get("suppressed"):
            for key in ("engagement_score", "value_score", "nps"):
                programme[key] = None
        else:
            for key in ("engagement_score", "value_score", "nps"):
                programme[key] = pooled.get(key)
    return {
        "programme": programme,
        "communities": {cid: _kpi(entry) for cid, entry in results.communities.items()},
    }
