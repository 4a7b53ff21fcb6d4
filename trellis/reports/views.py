"""The programme dashboard, its exports and the community scorecard (thin: read, render).

Who sees what (docs/dashboards.md):
- dashboard and exports: the programme office, and anyone with an active sponsor, leader
  or co-leader membership (`access.require_dashboard_reader`);
- a community's scorecard: any employee, like the rest of a community's pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from trellis.communities.models import Stage
from trellis.communities.views import _community_context
from trellis.core.access import (
    community_for_user,
    is_programme_office,
    require_dashboard_reader,
)
from trellis.kpis.selectors import compute_kpis
from trellis.people.models import BusinessUnit
from trellis.reports import exports, figures, selectors
from trellis.reports.forms import DashboardFilterForm, ScorecardYearForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request: HttpRequest, years: list[int]) -> DashboardFilterForm:
    return DashboardFilterForm(
        request.GET or None, years=years, default_year=selectors.default_year()
    )


def _export_query(filters: selectors.DashboardFilters) -> str:
    params: dict[str, Any] = {"year": filters.year}
    if filters.business_unit:
        params["business_unit"] = filters.business_unit
    if filters.stage:
        params["stage"] = filters.stage
    if filters.tag:
        params["tag"] = filters.tag
    return urlencode(params)


def _scope_labels(form: DashboardFilterForm, filters: selectors.DashboardFilters) -> list[str]:
    labels = []
    if filters.business_unit and form.is_bound and form.is_valid():
        unit = form.cleaned_data["business_unit"]
        if isinstance(unit, BusinessUnit):
            labels.append(unit.name)
    if filters.stage:
        labels.append(str(Stage(filters.stage).label))
    if filters.tag:
        labels.append(filters.tag)
    return labels


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_dashboard_reader(request.user)
    years, unclosed = selectors.years_and_unclosed()
    form = _filter_form(request, years)
    filters = form.filters()
    data = selectors.programme_dashboard(filters, years=years)
    trend_years = [r.year for r in data.trend]
    rankings, rank_charts, rank_note = figures.rankings(data.current, filters.rank_by)
    context = {
        "nav": "dashboard",
        "form": form,
        "filters": filters,
        "data": data,
        "scope_labels": _scope_labels(form, filters),
        "tiles": figures.programme_tiles(data),
        "charts": figures.programme_charts(data),
        "rankings": rankings,
        "rank_charts": rank_charts,
        "rank_note": rank_note,
        "trend_table": figures.programme_trend_table(data),
        "export_query": _export_query(filters),
        # The office closes past years; until then the dashboard computes them live.
        "unclosed": [y for y in unclosed if y in trend_years]
        if is_programme_office(request.user)
        else [],
    }
    is_htmx = bool(getattr(request, "htmx", False))
    response = render(
        request, "reports/_figures.html" if is_htmx else "reports/dashboard.html", context
    )
    # The same address answers with the whole page or the figures alone (htmx).
    patch_vary_headers(response, ("HX-Request",))
    return response


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    require_dashboard_reader(request.user)
    form = _filter_form(request, selectors.available_years())
    filters = form.filters()
    result = compute_kpis(filters.year, **filters.scope())
    if kind == "csv":
        body, content_type = exports.export_csv(result), "text/csv; charset=utf-8"
    else:
        body, content_type = exports.export_xlsx(result), XLSX
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="trellis-kpis-{filters.year}.{kind}"'
    return response


@login_required
def dashboard_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@login_required
def dashboard_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


@login_required
def community_scorecard(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    form = ScorecardYearForm(
        request.GET or None,
        years=selectors.available_years(),
        default_year=selectors.default_year(),
    )
    data = selectors.community_scorecard(community, form.chosen_year())
    context = _community_context(request, community, "scorecard")
    context.update(
        {
            "form": form,
            "data": data,
            "tiles": figures.scorecard_tiles(data),
            "charts": figures.scorecard_charts(data),
            "trend_table": figures.scorecard_trend_table(data),
        }
    )
    return render(request, "reports/scorecard.html", context)
