from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from trellis.communities.models import Membership
from trellis.core.access import (
    is_programme_office,
    person_for_user_view,
    require_programme_office,
)
from trellis.lib.tabular import TabularError
from trellis.lib.uploads import discard_upload, load_upload, store_upload
from trellis.people.forms import PeopleImportApplyForm, PeopleImportForm
from trellis.people.importer import ImportReport
from trellis.people.models import Person
from trellis.people.services import people_import

# The preview lists this many rejected rows; the CLI prints them all.
PREVIEW_MAX_ERRORS = 200


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:200]
    qs = Person.objects.filter(is_active=True).select_related("business_unit")
    if q:
        for word in q.split()[:5]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(email__icontains=word)
                | Q(job_title__icontains=word)
                | Q(site__icontains=word)
            )
    page = Paginator(qs.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/directory.html",
        {
            "page": page,
            "q": q,
            "querystring": urlencode({"q": q}) + "&" if q else "",
            "nav": "people",
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_for_user_view(request.user, pk)
    memberships = (
        Membership.objects.filter(person=person)
        .select_related("community")
        .order_by("left", "community__name")
    )
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "current": [m for m in memberships if m.left is None],
            "past": [m for m in memberships if m.left is not None],
            "show_private": is_programme_office(request.user),
            "nav": "people",
        },
    )


def _import_page(
    request: HttpRequest,
    form: PeopleImportForm,
    *,
    report: ImportReport | None = None,
    file_error: TabularError | None = None,
    apply_form: PeopleImportApplyForm | None = None,
) -> HttpResponse:
    errors = report.errors[:PREVIEW_MAX_ERRORS] if report else []
    return render(
        request,
        "people/import.html",
        {
            "form": form,
            "report": report,
            "errors": errors,
            "more_errors": len(report.errors) - len(errors) if report else 0,
            "file_error": file_error,
            "apply_form": apply_form,
            "nav": "programme",
        },
        status=200,
    )


def _applied_message(report: ImportReport) -> str:
    return _(
        "Import of %(filename)s applied: %(created)d created, %(updated)d updated, "
        "%(unchanged)d unchanged, %(deactivated)d deactivated, %(reactivated)d reactivated."
    ) % {"filename": report.filename, **report.counts()}


@login_required
def people_import_page(request: HttpRequest) -> HttpResponse:
    """Upload the HR file, preview the dry run, then apply exactly the previewed bytes."""
    require_programme_office(request.user)
    if request.method == "POST" and "sha256" in request.POST:
        return _apply(request)
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _import_page(request, form)
    upload = form.cleaned_data["file"]
    data = b"".join(upload.chunks())
    deactivate = form.cleaned_data["deactivate_missing"]
    try:
        report = people_import(
            actor=request.user,
            data=data,
            filename=upload.name,
            dry_run=True,
            deactivate_missing=deactivate,
        )
    except TabularError as exc:
        return _import_page(request, PeopleImportForm(), file_error=exc)
    apply_form = None
    if report.ok:
        apply_form = PeopleImportApplyForm(
            initial={
                "sha256": store_upload(data),
                "filename": upload.name,
                "deactivate_missing": deactivate,
            }
        )
    return _import_page(request, PeopleImportForm(), report=report, apply_form=apply_form)


def _apply(request: HttpRequest) -> HttpResponse:
    apply_form = PeopleImportApplyForm(request.POST)
    data = load_upload(apply_form.data.get("sha256", "")) if apply_form.is_valid() else None
    if data is None:
        messages.error(request, _("The previewed file is no longer available: upload it again."))
        return redirect("people_import")
    sha256 = apply_form.cleaned_data["sha256"]
    try:
        report = people_import(
            actor=request.user,
            data=data,
            filename=apply_form.cleaned_data["filename"],
            dry_run=False,
            deactivate_missing=apply_form.cleaned_data["deactivate_missing"],
        )
    except TabularError as exc:
        return _import_page(request, PeopleImportForm(), file_error=exc)
    if not report.applied:
        # The directory changed since the preview and rows are now rejected.
        return _import_page(request, PeopleImportForm(), report=report)
    discard_upload(sha256)
    messages.success(request, _applied_message(report))
    return redirect("people_import")
