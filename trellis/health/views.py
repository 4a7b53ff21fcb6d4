from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from trellis.communities.selectors import charters_to_approve
from trellis.communities.views import _community_context as community_header_context
from trellis.core.access import person_for_user, require_programme_office
from trellis.health import access, portfolio, selectors, services
from trellis.health.charts import maturity_radar
from trellis.health.forms import HealthCheckForm, HealthFilterForm, MaturityForm, valid_year
from trellis.health.maturity import LEVEL_NAMES, descriptor, next_step
from trellis.health.models import Pillar, Status
from trellis.health.questionnaire import ANSWER_CHOICES, CAUSES
from trellis.health.rules import INFO

PAGE_SIZE = 50


# --- Programme view --------------------------------------------------------------------------


@login_required
def health_programme(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = HealthFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows, counts = selectors.programme_health(
        status=data.get("status") or "",
        stage=data.get("stage") or "",
        q=data.get("q") or "",
        business_unit=data["business_unit"].pk if data.get("business_unit") else None,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    tiles = [
        {
            "status": value,
            "label": label,
            "count": counts.get(value, 0),
            "url": "?" + urlencode({**params, "status": value}),
        }
        for value, label in Status.choices
    ]
    return render(
        request,
        "health/programme.html",
        {
            "nav": "programme",
            "form": form,
            "page": page,
            "tiles": tiles,
            "total": sum(counts.values()),
            "querystring": urlencode(params) + "&" if params else "",
            "filtered": bool(params),
            "last_snapshot": selectors.last_snapshot_time(),
        },
    )


@login_required
@require_POST
def health_snapshot(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    report = services.health_snapshot_take(actor=request.user)
    messages.success(
        request,
        ngettext(
            "Health recorded for %(n)s community.",
            "Health recorded for %(n)s communities.",
            report.taken,
        )
        % {"n": report.taken},
    )
    return redirect("health_programme")


# --- A community's health --------------------------------------------------------------------


def _answer_rows(answers: dict[str, int] | None) -> list[dict[str, Any]]:
    labels = dict(ANSWER_CHOICES)
    answers = answers or {}
    return [
        {
            "question": cause.question,
            "value": answers.get(cause.key),
            "label": labels.get(answers[cause.key], "") if cause.key in answers else "",
        }
        for cause in CAUSES
    ]


@login_required
def community_health(request: HttpRequest, slug: str) -> HttpResponse:
    community = access.health_community_for_user(request.user, slug)
    health = selectors.health_statuses([community.pk]).get(community.pk)
    check = selectors.latest_check(community)
    context = community_header_context(request, community, "health")
    context.update(
        {
            "health": health,
            "reasons": [r for r in health.reasons if r.severity != INFO] if health else [],
            "notes": [r for r in health.reasons if r.severity == INFO] if health else [],
            "figures": health.figures if health else None,
            "check": check,
            "answers": _answer_rows(check.answers if check else None),
            "history": selectors.community_history(community),
            "can_fill": access.can_fill_health_check(request.user, community),
        }
    )
    return render(request, "health/community.html", context)


@login_required
def health_check_new(request: HttpRequest, slug: str) -> HttpResponse:
    community = access.health_community_for_user(request.user, slug, fill=True)
    previous = selectors.latest_check(community)
    initial = {f"cause_{k}": v for k, v in previous.answers.items()} if previous is not None else {}
    form = HealthCheckForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.health_check_submit(
                actor=request.user,
                community=community,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: the health check is recorded."))
            return redirect("community_health", slug=community.slug)
    context = community_header_context(request, community, "health")
    context.update({"form": form, "previous": previous})
    return render(request, "health/check_form.html", context)


# --- Maturity diagnostic ---------------------------------------------------------------------


# The annual report imported the radar from here first; keep the name working.
_radar = maturity_radar


@login_required
def maturity_home(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    years = selectors.maturity_years()
    shown = sorted(years[:5])
    this_year = timezone.localdate().year
    return render(
        request,
        "health/maturity_home.html",
        {
            "nav": "programme",
            "years": years,
            "shown": shown,
            "comparison": selectors.maturity_comparison(shown),
            "chart": maturity_radar(
                shown[-3:], {y: selectors.maturity_for_year(y) for y in shown[-3:]}
            )
            if shown
            else None,
            "this_year": this_year,
            "has_this_year": this_year in years,
        },
    )


def _year(year: int) -> int:
    if not valid_year(year):
        raise Http404
    return year


@login_required
def maturity_year(request: HttpRequest, year: int) -> HttpResponse:
    require_programme_office(request.user)
    assessment = selectors.maturity_assessment(_year(year))
    if assessment is None:
        raise Http404
    previous_year = selectors.previous_maturity_year(year)
    previous = selectors.maturity_for_year(previous_year) if previous_year else {}
    scores = {s.pillar: s for s in assessment.scores.all()}
    rows = []
    for key, label in Pillar.choices:
        score = scores.get(key)
        level = score.level if score else None
        before = previous.get(key)
        rows.append(
            {
                "label": label,
                "score": score,
                "level": level,
                "level_name": LEVEL_NAMES.get(level or 0, ""),
                "descriptor": descriptor(key, level) if level else "",
                "previous": before,
                "change": (level - before) if level and before else None,
                "next_step": next_step(key, level) if level else None,
            }
        )
    levels = {year: {k: s.level for k, s in scores.items()}}
    if previous_year:
        levels[previous_year] = previous
    return render(
        request,
        "health/maturity_year.html",
        {
            "nav": "programme",
            "assessment": assessment,
            "rows": rows,
            "previous_year": previous_year,
            "chart": maturity_radar(sorted(levels), levels),
        },
    )


@login_required
def maturity_edit(request: HttpRequest, year: int) -> HttpResponse:
    require_programme_office(request.user)
    assessment = selectors.maturity_assessment(_year(year))
    initial: dict[str, Any] = {}
    if assessment is not None:
        initial["summary"] = assessment.summary
        for score in assessment.scores.all():
            initial[f"{score.pillar}_level"] = score.level
            initial[f"{score.pillar}_evidence"] = score.evidence
            initial[f"{score.pillar}_comment"] = score.comment
    form = MaturityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.maturity_save(
                actor=request.user,
                year=year,
                summary=form.cleaned_data["summary"],
                scores=form.scores(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Maturity diagnostic saved."))
            return redirect("maturity_year", year=year)
    return render(
        request,
        "health/maturity_form.html",
        {"nav": "programme", "form": form, "year": year, "assessment": assessment},
    )


# --- Sponsor portfolio -----------------------------------------------------------------------


@login_required
def sponsor_portfolio(request: HttpRequest) -> HttpResponse:
    communities = access.require_sponsor(request.user)
    person = person_for_user(request.user)
    context = portfolio.portfolio(communities, charters=charters_to_approve(person))
    context["nav"] = "home"
    return render(request, "health/portfolio.html", context)
