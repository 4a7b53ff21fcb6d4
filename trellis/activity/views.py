"""Pages of the programme office for ESN activity: imports, spaces, authors."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.activity import selectors
from trellis.activity.forms import AliasForm, ImportUploadForm, SpaceMapForm
from trellis.activity.models import EsnAuthor, ImportJob, Source, Space
from trellis.activity.services import (
    alias_set,
    import_job_create,
    import_job_retry,
    space_map,
    store_activity_upload,
)
from trellis.core.access import User, require_programme_office
from trellis.lib.safe_export import write_csv

OfficeObject = TypeVar("OfficeObject", ImportJob, Space, EsnAuthor)


def _office_object(user: User, model: type[OfficeObject], pk: int) -> OfficeObject:
    """An activity object for the programme office (403 for others, 404 when absent)."""
    require_programme_office(user)
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- Imports -----------------------------------------------------------------------------------


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    page = Paginator(selectors.import_jobs(), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "activity/imports.html",
        {"page": page, "views": [selectors.job_view(j) for j in page], "nav": "programme"},
    )


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path, sha256 = store_activity_upload(upload)
        job = import_job_create(
            actor=request.user,
            source=form.cleaned_data["source"],
            path=path,
            filename=upload.name or path.name,
            dry_run=form.cleaned_data["dry_run"],
            memberships=form.cleaned_data["memberships"],
            sha256=sha256,
        )
        messages.success(request, _("The file is uploaded; the import runs in the background."))
        return redirect("activity_import", job.pk)
    return render(request, "activity/import_new.html", {"form": form, "nav": "programme"})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _office_object(request.user, ImportJob, pk)
    view = selectors.job_view(job)
    context = {
        "view": view,
        "job": job,
        "errors": job.errors[:100],
        "problems": max(job.counts.get("rejected") or 0, len(job.errors)),
        "nav": "programme",
    }
    if request.headers.get("HX-Request"):
        return render(request, "activity/_job_status.html", context)
    return render(request, "activity/import_detail.html", context)


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job = _office_object(request.user, ImportJob, pk)
    data = write_csv(selectors.job_errors_rows(job), ["file", "line", "reason"], bom=True)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _office_object(request.user, ImportJob, pk)
    try:
        import_job_retry(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import is queued again."))
    return redirect("activity_import", job.pk)


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """After a clean dry run: import the same stored file for real."""
    job = _office_object(request.user, ImportJob, pk)
    if not (job.dry_run and job.status == ImportJob.Status.DONE and Path(job.path).exists()):
        messages.error(request, _("Only a successful dry run whose file is kept can be applied."))
        return redirect("activity_import", job.pk)
    new = import_job_create(
        actor=request.user,
        source=job.source,
        path=Path(job.path),
        filename=job.filename,
        dry_run=False,
        memberships=bool(job.options.get("memberships")),
        sha256=job.sha256,
    )
    messages.success(request, _("The import runs in the background."))
    return redirect("activity_import", new.pk)


# --- Spaces ------------------------------------------------------------------------------------


@login_required
def spaces(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    filters = selectors.SpaceFilters(
        q=request.GET.get("q", "").strip()[:200],
        source=request.GET.get("source", "") if request.GET.get("source") in Source.values else "",
        mapping=request.GET.get("mapping", "")
        if request.GET.get("mapping") in ("unmapped", "mapped")
        else "",
    )
    page = Paginator(selectors.spaces(filters), 50).get_page(request.GET.get("page"))
    suggestions = selectors.suggestions(list(page))
    rows = [(space, suggestions.get(space.pk)) for space in page]
    query = {k: v for k, v in (("q", filters.q), ("source", filters.source),
                               ("mapping", filters.mapping)) if v}  # fmt: skip
    return render(
        request,
        "activity/spaces.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "sources": Source.choices,
            "summary": selectors.unmapped_summary(),
            "querystring": urlencode(query) + "&" if query else "",
            "nav": "programme",
        },
    )


@login_required
def space_detail(request: HttpRequest, pk: int) -> HttpResponse:
    space = _office_object(request.user, Space, pk)
    if request.method == "POST":
        form = SpaceMapForm(request.POST)
        if form.is_valid():
            community = form.cleaned_data["community"]
            space_map(actor=request.user, space=space, community=community)
            if community is None:
                messages.success(
                    request, _("“%(space)s” is not mapped any more.") % {"space": space}
                )
            else:
                messages.success(
                    request,
                    _("“%(space)s” now counts for %(community)s.")
                    % {"space": space, "community": community.name},
                )
            target = request.POST.get("next", "")
            if target.startswith("/activity/spaces/"):
                return redirect(target)
            return redirect("activity_space", space.pk)
    else:
        form = SpaceMapForm(initial={"community": space.community_id})
    suggestion = selectors.suggestions([space]).get(space.pk)
    return render(
        request,
        "activity/space_detail.html",
        {"space": space, "form": form, "suggestion": suggestion, "nav": "programme"},
    )


# --- Authors -----------------------------------------------------------------------------------


@login_required
def authors(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    q = request.GET.get("q", "").strip()[:200]
    show_all = request.GET.get("all") == "1"
    page = Paginator(selectors.authors(unresolved=not show_all, q=q), 50).get_page(
        request.GET.get("page")
    )
    activity = selectors.author_activity(list(page))
    query = {k: v for k, v in (("q", q), ("all", "1" if show_all else "")) if v}
    return render(
        request,
        "activity/authors.html",
        {
            "page": page,
            "rows": [(a, activity.get(a.pk, 0)) for a in page],
            "q": q,
            "show_all": show_all,
            "querystring": urlencode(query) + "&" if query else "",
            "nav": "programme",
        },
    )


@login_required
def author_detail(request: HttpRequest, pk: int) -> HttpResponse:
    author = _office_object(request.user, EsnAuthor, pk)
    form = AliasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["email"]
        alias_set(
            actor=request.user,
            key=author.external_id,
            person=person,
            source="" if form.cleaned_data["any_source"] else author.source,
        )
        messages.success(
            request,
            _("%(author)s now counts as %(person)s.") % {"author": author, "person": person.name},
        )
        return redirect("activity_author", author.pk)
    return render(
        request,
        "activity/author_detail.html",
        {"author": author, "form": form, "nav": "programme"},
    )
