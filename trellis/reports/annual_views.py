"""The annual reports page: request, watch (htmx polling), download, retry (thin views).

Access rules: trellis/reports/annual_access.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.core.access import is_programme_office, require_dashboard_reader
from trellis.reports import annual
from trellis.reports.annual_access import annual_report_for_download, annual_report_for_office
from trellis.reports.annual_services import (
    annual_report_is_stale,
    annual_report_request,
    annual_report_retry,
    language_choices,
)
from trellis.reports.models import AnnualReport
from trellis.reports.selectors import available_years, default_year

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SIZE = 50


class AnnualReportForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        help_text=gettext_lazy("The language the report is written in."),
    )

    def __init__(self, *args: object, years: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [(y, str(y)) for y in years]
        # Last year by default: the report of a year is written once the year is over.
        past = [y for y in years if y < default_year()]
        year_field.initial = past[0] if past else (years[0] if years else None)
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = language_choices()
        language_field.initial = (get_language() or "en")[:2]


def _rows(office: bool) -> list[dict[str, object]]:
    qs = AnnualReport.objects.defer("pdf", "xlsx").select_related("requested_by")
    if not office:
        qs = qs.filter(status=AnnualReport.Status.DONE)
    return [
        {"report": r, "stale": annual_report_is_stale(r)} for r in qs.order_by("-id")[:LIST_SIZE]
    ]


@login_required
def annual_reports(request: HttpRequest) -> HttpResponse:
    """GET: the reports (all for the office, finished ones for other dashboard readers).
    POST (office): request a report for a year and a language."""
    require_dashboard_reader(request.user)
    office = is_programme_office(request.user)
    form = None
    if office:
        years = available_years()
        if request.method == "POST":
            form = AnnualReportForm(request.POST, years=years)
            if form.is_valid():
                try:
                    annual_report_request(
                        actor=request.user,
                        year=form.cleaned_data["year"],
                        language=form.cleaned_data["language"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request,
                        _("The report is being prepared. This page shows when it is ready."),
                    )
                    return redirect("annual_reports")
        else:
            form = AnnualReportForm(years=years)
    elif request.method == "POST":
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    rows = _rows(office)
    context = {
        "nav": "programme" if office else "dashboard",
        "form": form,
        "rows": rows,
        "office": office,
        "pending": any(r["report"].is_pending and not r["stale"] for r in rows),  # type: ignore[attr-defined]
    }
    is_htmx = bool(request.headers.get("HX-Request"))
    template = "reports/annual/_reports.html" if is_htmx else "reports/annual/reports.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    report = annual_report_for_download(request.user, pk, kind)
    body = report.pdf if kind == "pdf" else report.xlsx
    response = HttpResponse(
        bytes(body or b""), content_type="application/pdf" if kind == "pdf" else XLSX
    )
    filename = annual.report_filename(report.year, report.language, kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def annual_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "pdf")


@login_required
def annual_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


@login_required
@require_POST
def annual_report_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = annual_report_for_office(request.user, pk)
    try:
        annual_report_retry(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The report is queued again."))
    return redirect("annual_reports")
