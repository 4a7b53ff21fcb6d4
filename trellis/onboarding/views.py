"""The programme office's import page (upload, preview, apply) and the CSV exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trellis.core.access import require_programme_office
from trellis.lib.uploads import MAX_AGE, discard_upload, load_upload, store_upload
from trellis.onboarding.forms import KIND_CHOICES, ProgrammeImportForm
from trellis.onboarding.report import SAMPLE_SIZE, ImportFileError, ImportReport
from trellis.onboarding.selectors import export_csv
from trellis.onboarding.services import import_file

# The "Apply" button carries a signed token naming the previewed file and its options,
# so the apply runs exactly what was previewed.
APPLY_SALT = "trellis.onboarding.apply"


def _page(
    request: HttpRequest,
    form: ProgrammeImportForm,
    *,
    report: ImportReport | None = None,
    token: str | None = None,
    file_error: ImportFileError | None = None,
) -> HttpResponse:
    rejections = report.sorted_rejections() if report else []
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "kind_label": dict(KIND_CHOICES).get(report.kind, "") if report else "",
        "rejections": rejections[:SAMPLE_SIZE],
        "more_rejections": max(len(rejections) - SAMPLE_SIZE, 0),
        "token": token,
        "file_error": file_error,
        "exports": [(kind, label, f"{kind}.csv") for kind, label in KIND_CHOICES],
        "nav": "programme",
    }
    return render(request, "onboarding/import.html", context, status=200)


@login_required
def programme_import(request: HttpRequest) -> HttpResponse:
    """Upload a programme spreadsheet, preview its dry run, then apply the previewed bytes."""
    require_programme_office(request.user)
    if request.method == "POST" and "token" in request.POST:
        return _apply(request)
    form = ProgrammeImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, form)
    kind = form.cleaned_data["kind"]
    upload = form.cleaned_data["file"]
    data = b"".join(upload.chunks())
    filename = Path(upload.name or "upload.csv").name[:255]
    options = {}
    if kind == "memberships":
        options = {
            "sync": form.cleaned_data["sync"],
            "create_people": form.cleaned_data["create_people"],
        }
    fresh = ProgrammeImportForm(initial={"kind": kind, **options})
    try:
        report = import_file(
            kind, actor=request.user, data=data, filename=filename, dry_run=True, **options
        )
    except ImportFileError as exc:
        return _page(request, fresh, file_error=exc)
    token = None
    if report.ok:
        payload = {"kind": kind, "sha256": store_upload(data), "filename": filename, **options}
        token = signing.dumps(payload, salt=APPLY_SALT)
    return _page(request, fresh, report=report, token=token)


def _apply(request: HttpRequest) -> HttpResponse:
    try:
        payload = signing.loads(request.POST["token"], salt=APPLY_SALT, max_age=MAX_AGE)
        data = load_upload(str(payload["sha256"]))
    except (signing.BadSignature, KeyError, TypeError):
        data = None
    if data is None:
        messages.error(request, _("The previewed file is no longer available: upload it again."))
        return redirect("programme_import")
    kind = str(payload["kind"])
    options = {k: bool(payload[k]) for k in ("sync", "create_people") if k in payload}
    form = ProgrammeImportForm(initial={"kind": kind, **options})
    try:
        report = import_file(
            kind,
            actor=request.user,
            data=data,
            filename=str(payload["filename"]),
            dry_run=False,
            **options,
        )
    except ImportFileError as exc:
        return _page(request, form, file_error=exc)
    if not report.applied:
        # The programme changed since the preview and rows are now rejected.
        return _page(request, form, report=report)
    discard_upload(str(payload["sha256"]))
    messages.success(request, report.summary())
    return redirect("programme_import")


@login_required
def programme_export(request: HttpRequest, kind: str) -> HttpResponse:
    require_programme_office(request.user)
    response = HttpResponse(export_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response
