"""Writes of the annual report: request one, run it (a worker), retry a failed one.

Views, the task and tests call these; `trellis annual-report` renders without a row.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.core.audit import Actor, audit_record
from trellis.reports import annual
from trellis.reports.models import AnnualReport
from trellis.reports.selectors import available_years

log = logging.getLogger(__name__)

# A report running for longer than this has lost its worker (killed, host restarted) and
# may be retried. The enterprise-scale report takes minutes, never an hour.
STALE_AFTER = dt.timedelta(hours=1)
# What the page shows of a failure: the exception's message, not a traceback.
ERROR_MAX = 2000


def _enqueue(report_id: int) -> None:
    from trellis.reports.annual_tasks import generate_annual_report

    generate_annual_report.enqueue(report_id)


@transaction.atomic
def annual_report_request(*, actor: Actor, year: int, language: str) -> AnnualReport:
    """Record a request for a year's report in a language, and queue it after the commit."""
    if year not in available_years():
        raise ValidationError({"year": _("There are no figures for this year.")})
    report = AnnualReport(
        year=year,
        language=language,
        requested_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    report.full_clean()
    report.save()
    audit_record(
        actor=actor,
        action="reports.annual_request",
        obj=report,
        changes={"year": year, "language": language},
    )
    transaction.on_commit(lambda: _enqueue(report.pk))
    return report


def annual_report_is_stale(report: AnnualReport) -> bool:
    if report.status != AnnualReport.Status.RUNNING:
        return False
    started = report.started_at or report.created_at
    return timezone.now() - started > STALE_AFTER


@transaction.atomic
def annual_report_retry(*, actor: Actor, report: AnnualReport) -> AnnualReport:
    """Queue a failed report again (or one whose worker died while running)."""
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status != AnnualReport.Status.FAILED and not annual_report_is_stale(report):
        raise ValidationError(_("Only a failed or interrupted report can be retried."))
    report.status = AnnualReport.Status.QUEUED
    report.error = ""
    report.started_at = report.finished_at = None
    report.save(update_fields=["status", "error", "started_at", "finished_at"])
    audit_record(actor=actor, action="reports.annual_retry", obj=report)
    transaction.on_commit(lambda: _enqueue(report.pk))
    return report


def _claim(report_id: int) -> bool:
    """Take a queued report for this worker: one conditional UPDATE, so that when several
    workers on several hosts receive it, exactly one runs it."""
    claimed = AnnualReport.objects.filter(pk=report_id, status=AnnualReport.Status.QUEUED).update(
        status=AnnualReport.Status.RUNNING, started_at=timezone.now(), error=""
    )
    return claimed == 1


def annual_report_run(*, report_id: int) -> AnnualReport | None:
    """Render a queued report and store its PDF and XLSX (what the worker runs).

    1. Claim the row (queued → running); another worker that got it too stops here.
    2. Render outside any transaction: reads only, minutes at enterprise scale, and the
       database must stay writable meanwhile (SQLite has a single writer).
    3. Store the files and mark it done, or mark it failed with the error's message.
    Returns None when the report was not this worker's to run.
    """
    if not _claim(report_id):
        return None
    report = AnnualReport.objects.defer("pdf", "xlsx").get(pk=report_id)
    try:
        rendered = annual.render_report(report.year, report.language)
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the page, then retried
        log.exception("annual report %s failed", report_id)
        report.status = AnnualReport.Status.FAILED
        report.error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        audit_record(actor=None, action="reports.annual_failed", obj=report)
        return report
    with transaction.atomic():
        report.pdf = rendered.pdf
        report.xlsx = rendered.xlsx
        report.pdf_size = len(rendered.pdf)
        report.pages = rendered.pages
        report.communities = rendered.communities
        report.status = AnnualReport.Status.DONE
        report.finished_at = timezone.now()
        report.save(
            update_fields=[
                "pdf", "xlsx", "pdf_size", "pages", "communities", "status", "finished_at",
            ]
        )  # fmt: skip
        audit_record(
            actor=None,
            action="reports.annual_done",
            obj=report,
            changes={"pages": rendered.pages, "communities": rendered.communities},
        )
    return report


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]
