"""Background work of the annual report (django-tasks; `trellis worker` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_annual_report(report_id: int) -> str:
    """Render one queued annual report; several workers may receive it, one runs it."""
    from trellis.reports.annual_services import annual_report_run

    report = annual_report_run(report_id=report_id)
    return report.status if report is not None else "skipped"
