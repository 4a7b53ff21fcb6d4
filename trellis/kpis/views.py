from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.communities.models import LEADER_ROLES, Community, Membership
from trellis.communities.views import _community_context as community_header_context
from trellis.core.access import community_for_user, is_programme_office, require_programme_office
from trellis.kpis import selectors, services, tasks
from trellis.kpis.forms import KpiSheetForm, RecomputeForm
from trellis.kpis.labels import figure_rows
from trellis.kpis.models import SHEET_QUESTIONS, KpiSheet

MIN_YEAR = 2000


def _year(value: str | None, default: int) -> int:
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if MIN_YEAR <= year <= selectors.open_year() + 1 else default


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= selectors.open_year() + 1:
        raise Http404


def _actor_id(request: HttpRequest) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


@login_required
def kpi_years(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return render(request, "kpis/years.html", {"years": selectors.kpi_years(), "nav": "programme"})


@login_required
def kpi_year_detail(request: HttpRequest, year: int) -> HttpResponse:
    require_programme_office(request.user)
    _check_year(year)
    result = selectors.compute_kpis(year)
    return render(
        request,
        "kpis/year_detail.html",
        {
            "year": year,
            "result": result,
            "figures": figure_rows(result.programme, selectors.PROGRAMME_FIELDS),
            "history": selectors.snapshot_history(year),
            "nav": "programme",
        },
    )


@login_required
def kpi_year_close(request: HttpRequest, year: int) -> HttpResponse:
    """GET: what will be frozen, and a confirmation; POST: queue the close."""
    require_programme_office(request.user)
    _check_year(year)
    closable = year < selectors.open_year() and not selectors.snapshot_history(year)
    if request.method == "POST":
        if not closable:
            messages.error(request, _("This year cannot be closed."))
            return redirect("kpi_years")
        try:
            services.check_no_import_running()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("kpi_years")
        tasks.close_year.enqueue(year, _actor_id(request))
        messages.success(
            request,
            _(
                "Closing %(year)s: the figures are being frozen. This page shows the year "
                "as closed when it is done."
            )
            % {"year": year},
        )
        return redirect("kpi_years")
    result = selectors.compute_kpis(year)
    return render(
        request,
        "kpis/year_close.html",
        {
            "year": year,
            "closable": closable,
            "figures": figure_rows(result.programme, selectors.PROGRAMME_FIELDS),
            "nav": "programme",
        },
    )


@login_required
def kpi_year_recompute(request: HttpRequest, year: int) -> HttpResponse:
    require_programme_office(request.user)
    _check_year(year)
    history = selectors.snapshot_history(year)
    if not history:
        raise Http404
    form = RecomputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_no_import_running()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("kpi_year_detail", year=year)
        tasks.recompute_year.enqueue(year, form.cleaned_data["reason"], _actor_id(request))
        messages.success(
            request,
            _("Recomputing %(year)s: the new figures replace the frozen ones when done.")
            % {"year": year},
        )
        return redirect("kpi_year_detail", year=year)
    return render(
        request,
        "kpis/year_recompute.html",
        {"year": year, "form": form, "snapshot": history[0], "nav": "programme"},
    )


# --- Leader KPI sheets --------------------------------------------------------------------


def _leaders_by_community(community_ids: list[int]) -> dict[int, list[Any]]:
    leaders: dict[int, list[Any]] = {}
    for membership in (
        Membership.objects.filter(
            community__in=community_ids, role__in=LEADER_ROLES, left__isnull=True
        )
        .select_related("person")
        .order_by("person__name")
    ):
        leaders.setdefault(membership.community_id, []).append(membership.person)
    return leaders


@login_required
def kpi_sheets(request: HttpRequest) -> HttpResponse:
    """Completion of the leaders' sheets for a year (programme office)."""
    require_programme_office(request.user)
    year = _year(request.GET.get("year"), services.sheet_year_default())
    communities = list(selectors.counting_communities(year).order_by("name"))
    sheets = {
        s.community_id: s
        for s in KpiSheet.objects.filter(year=year, community__in=communities).select_related(
            "submitted_by"
        )
    }
    leaders = _leaders_by_community([c.pk for c in communities])
    rows: list[dict[str, Any]] = [
        {"community": c, "sheet": sheets.get(c.pk), "leaders": leaders.get(c.pk, [])}
        for c in communities
    ]
    submitted = sum(1 for s in sheets.values() if s.status == KpiSheet.Status.SUBMITTED)
    return render(
        request,
        "kpis/sheets.html",
        {
            "year": year,
            "rows": rows,
            "submitted": submitted,
            "pending": len(rows) - submitted,
            "years": list(range(selectors.open_year(), selectors.open_year() - 6, -1)),
            "nav": "programme",
        },
    )


@login_required
@require_POST
def kpi_sheets_remind(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    year = _year(request.POST.get("year"), services.sheet_year_default())
    report = services.kpi_sheet_remind(
        actor=request.user, year=year, base_url=request.build_absolute_uri("/")
    )
    messages.success(
        request,
        _("Reminders sent to %(n)d leaders of %(c)d communities.")
        % {"n": report.recipients, "c": report.communities},
    )
    return redirect(f"{reverse('kpi_sheets')}?year={year}")


def _sheet_context(
    request: HttpRequest, community: Community, year: int, sheet: KpiSheet | None
) -> dict[str, Any]:
    result = selectors.compute_kpis(year, community_ids=[community.pk])
    figures = result.community(community.slug)
    return {
        "community": community,
        "year": year,
        "sheet": sheet,
        "counts": figures is not None,
        "figures": figure_rows(figures or {}, selectors.COMMUNITY_FIELDS),
        "closed": result.closed,
        "is_office": is_programme_office(request.user),
        "tab": "kpis",
        "nav": "communities",
    }


@login_required
def kpi_sheet_current(request: HttpRequest, slug: str) -> HttpResponse:
    """The sheet a leader should look at now (last year's in January–March)."""
    community = community_for_user(request.user, slug, write=True)
    return redirect("kpi_sheet", slug=community.slug, year=services.sheet_year_default())


@login_required
def kpi_sheet(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """A leader reviews the year's computed figures, completes the rest and submits."""
    community = community_for_user(request.user, slug, write=True)
    _check_year(year)
    sheet = KpiSheet.objects.filter(community=community, year=year).first()
    locked = sheet is not None and sheet.status == KpiSheet.Status.SUBMITTED
    initial: dict[str, Any] = {}
    if sheet is not None:
        initial = {**sheet.answers, "comments": sheet.comments}
    form = KpiSheetForm(request.POST or None, initial=initial)
    if locked:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST":
        if locked:
            raise PermissionDenied
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.kpi_sheet_save(
                    actor=request.user,
                    community=community,
                    year=year,
                    answers=form.answers(),
                    comments=form.cleaned_data["comments"],
                    submit=submit,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Sheet submitted. Thank you!") if submit else _("Draft saved.")
                )
                return redirect("kpi_sheet", slug=community.slug, year=year)
    context = _sheet_context(request, community, year, sheet)
    context.update(
        {
            "form": form,
            "locked": locked,
            "questions": SHEET_QUESTIONS,
            "other_years": [
                y for y in (year - 1, year + 1) if MIN_YEAR <= y <= selectors.open_year()
            ],
            "answers": [
                {"label": q.label, "value": (sheet.answers if sheet else {}).get(q.key)}
                for q in SHEET_QUESTIONS
            ],
        }
    )
    context = {**community_header_context(request, community, "kpis"), **context}
    return render(request, "kpis/sheet.html", context)


@login_required
@require_POST
def kpi_sheet_reopen(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    require_programme_office(request.user)
    community = community_for_user(request.user, slug, write=True)
    sheet = KpiSheet.objects.filter(community=community, year=year).first()
    if sheet is None:
        raise Http404
    services.kpi_sheet_reopen(actor=request.user, sheet=sheet)
    messages.success(request, _("The sheet is open again for its leaders."))
    return redirect("kpi_sheet", slug=community.slug, year=year)
