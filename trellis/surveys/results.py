"""What the result pages, the CSV export and the PDF summary show, from the selectors.

Everything here reads `selectors.campaign_results`, which has already applied the threshold
and complementary suppression: a suppressed group arrives without figures and is shown as
"fewer than N respondents".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.lib.charts import bar_chart, to_svg
from trellis.surveys.models import Campaign, Question
from trellis.surveys.selectors import (
    CampaignResults,
    campaign_results,
    comments,
    previous_campaign,
)

SCORES = ("respondents", "response_rate", "engagement_score", "value_score", "nps", "hours_saved")


def score_labels() -> dict[str, str]:
    return {
        "respondents": _("Respondents"),
        "response_rate": _("Response rate"),
        "engagement_score": _("Engagement (1–5)"),
        "value_score": _("Perceived value (1–5)"),
        "nps": _("Net promoter score"),
        "hours_saved": _("Hours saved per month"),
    }


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "response_rate":
        return f"{100 * value:.0f} %"
    return number_format(value) if isinstance(value, float) else str(value)


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": entry.get("label") or _("No business unit"),
        "suppressed": entry.get("suppressed", False),
        "k": entry.get("k"),
        "cells": [] if entry.get("suppressed") else [_fmt(k, entry.get(k)) for k in SCORES],
        "key": entry.get("key"),
    }


def results_page(campaign: Campaign) -> dict[str, Any]:
    results = campaign_results(campaign, detail=False)
    slugs = dict(
        Community.objects.filter(pk__in=list(results.communities)).values_list("pk", "slug")
    )
    community_rows = []
    for cid, entry in sorted(results.communities.items(), key=lambda kv: kv[1]["label"]):
        row = _row(entry)
        row["slug"] = slugs.get(cid, "")
        community_rows.append(row)
    labels = score_labels()
    return {
        "campaign": campaign,
        "results": results,
        "headers": [labels[k] for k in SCORES],
        "programme_rows": [
            {**_row(results.programme), "label": _("All respondents (about the programme)")},
            {**_row(results.all_communities), "label": _("All communities (pooled)")},
        ],
        "units": [
            _row(e) for e in sorted(results.business_units.values(), key=lambda e: e["label"])
        ],
        "communities": community_rows,
        "questions": _question_rows(results.global_questions, results.programme),
        "programme_comments": comments(campaign, None, results),
        **_programme_yoy(campaign, results),
    }


YOY_KEYS = ("respondents", "response_rate", "engagement_score", "value_score", "nps")


def _programme_yoy(campaign: Campaign, results: CampaignResults) -> dict[str, Any]:
    """The programme's figures beside those of the last published campaign before it.

    Two groups: the respondents about the programme (people) and all communities pooled,
    each figure now and then; a suppressed group stays suppressed on either side.
    """
    previous = previous_campaign(campaign)
    if previous is None:
        return {"previous": None, "yoy": []}
    before = campaign_results(previous, detail=False)
    labels = score_labels()
    groups = [
        (_("All respondents (about the programme)"), results.programme, before.programme),
        (_("All communities (pooled)"), results.all_communities, before.all_communities),
    ]
    rows = []
    for group, now_entry, then_entry in groups:
        for key in YOY_KEYS:
            rows.append(
                {
                    "group": group,
                    "label": labels[key],
                    "now_suppressed": bool(now_entry.get("suppressed")),
                    "before_suppressed": bool(then_entry.get("suppressed")),
                    "now": _fmt(key, now_entry.get(key)),
                    "before": _fmt(key, then_entry.get(key)),
                    "change": _change(key, now_entry, then_entry),
                }
            )
    return {"previous": previous, "yoy": rows}


def _change(key: str, now: dict[str, Any], then: dict[str, Any]) -> str:
    if now.get("suppressed") or then.get("suppressed"):
        return ""
    a, b = now.get(key), then.get(key)
    if a is None or b is None:
        return ""
    if key == "response_rate":
        return _("%(points)s pts") % {"points": f"{round(100 * (a - b)):+d}"}
    delta = round(a - b, 2)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return sign + number_format(abs(delta))


def _question_rows(questions: list[Question], entry: dict[str, Any]) -> list[dict[str, Any]]:
    if entry.get("suppressed"):
        return []
    rows = []
    for q in questions:
        data = entry["questions"].get(q.code, {})
        if q.type == Question.Type.TEXT:
            continue
        labels = dict(q.choice_labels())
        distribution = [
            {"value": labels.get(v, v), "count": n}
            for v, n in sorted(data.get("distribution", {}).items(), key=_order)
        ]
        rows.append(
            {
                "q": q,
                "text": q.text(),
                "mean": data.get("mean"),
                "ci_low": data.get("ci_low"),
                "ci_high": data.get("ci_high"),
                "nps": data.get("nps"),
                "n": data.get("n"),
                "distribution": distribution,
            }
        )
    return rows


def _order(item: tuple[str, int]) -> tuple[int, float, str]:
    try:
        return (0, float(item[0]), "")
    except ValueError:
        return (1, 0.0, item[0])


def _charts(
    campaign: Campaign, entry: dict[str, Any], questions: list[Question]
) -> list[dict[str, Any]]:
    if entry.get("suppressed"):
        return []
    data = [
        {"item": q.text()[:60], "mean": entry["questions"][q.code]["mean"]}
        for q in questions
        if q.type == Question.Type.LIKERT
        and entry["questions"].get(q.code, {}).get("mean") is not None
    ]
    if not data:
        return []
    spec = bar_chart(
        data,
        category="item",
        value="mean",
        title=_("Mean agreement per statement (1 to 5)"),
        category_title=_("Statement"),
        value_title=_("Mean (1–5)"),
    )
    return [
        {
            "spec": spec,
            "id": f"survey-{campaign.pk}-means",
            "caption": "",
            "table": {
                "headers": [_("Statement"), _("Mean (1–5)")],
                "rows": [[d["item"], d["mean"]] for d in data],
            },
        }
    ]


def community_page(campaign: Campaign, community: Community) -> dict[str, Any]:
    results = campaign_results(campaign, detail={community.pk})
    entry = results.communities.get(
        community.pk, {"suppressed": True, "k": campaign.min_respondents, "label": community.name}
    )
    previous = previous_campaign(campaign)
    prev_entry: dict[str, Any] | None = None
    if previous is not None and not entry.get("suppressed"):
        prev_entry = campaign_results(previous, detail=False).communities.get(community.pk)
    labels = score_labels()
    yoy = []
    if prev_entry is not None and not prev_entry.get("suppressed"):
        for key in ("engagement_score", "value_score", "nps", "response_rate"):
            yoy.append(
                {
                    "label": labels[key],
                    "now": _fmt(key, entry.get(key)),
                    "before": _fmt(key, prev_entry.get(key)),
                }
            )
    figures = (
        []
        if entry.get("suppressed")
        else [{"label": labels[k], "value": _fmt(k, entry.get(k))} for k in SCORES]
    )
    return {
        "campaign": campaign,
        "community": community,
        "entry": entry,
        "k": campaign.min_respondents,
        "figures": figures,
        "questions": _question_rows(results.community_questions, entry),
        "comments": comments(campaign, community, results),
        "min_comments": campaign.min_comments,
        "previous": previous if prev_entry is not None else None,
        "yoy": yoy,
        "charts": _charts(campaign, entry, results.community_questions),
    }


def export_rows(campaign: Campaign) -> tuple[list[str], list[list[Any]]]:
    """Aggregates only: one row per group; a suppressed group has no figure, only a flag."""
    results: CampaignResults = campaign_results(campaign, detail=False)
    header = ["group", "name", "suppressed", *SCORES]
    rows: list[list[Any]] = []

    def add(kind: str, entry: dict[str, Any]) -> None:
        if entry.get("suppressed"):
            rows.append([kind, entry.get("label") or "", True, *([None] * len(SCORES))])
        else:
            rows.append([kind, entry.get("label") or "", False, *[entry.get(k) for k in SCORES]])

    add("programme", {**results.programme, "label": _("Programme")})
    add("all communities", {**results.all_communities, "label": _("All communities")})
    for entry in sorted(results.business_units.values(), key=lambda e: e["label"]):
        add("business unit", entry)
    for entry in sorted(results.communities.values(), key=lambda e: e["label"]):
        add("community", entry)
    return header, rows


def community_pdf(request: HttpRequest, campaign: Campaign, community: Community) -> bytes:
    """A one-page summary of a community's results (figures, means, chart), as PDF."""
    import weasyprint

    context = community_page(campaign, community)
    svg = to_svg(context["charts"][0]["spec"], width=520) if context["charts"] else ""
    html = render_to_string(
        "surveys/community_summary_pdf.html", {**context, "chart_svg": svg}, request=request
    )
    return bytes(weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf())
