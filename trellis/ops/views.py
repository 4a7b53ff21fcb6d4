"""The programme office's page of background jobs: status, errors, retry."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.core.access import require_programme_office
from trellis.ops import jobs as job_selectors


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    status = request.GET.get("status", "")
    if status not in job_selectors.STATUSES:
        status = ""
    page = Paginator(job_selectors.jobs(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ops/jobs.html",
        {
            "page": page,
            "views": job_selectors.job_views(list(page)),
            "counts": job_selectors.status_counts(),
            "status": status,
            "querystring": f"status={status}&" if status else "",
            "nav": "programme",
        },
    )


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    require_programme_office(request.user)
    try:
        job_selectors.job_retry(actor=request.user, job_id=job_id)
    except job_selectors.RetryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The job was queued again."))
    return redirect("ops_jobs")
