"""Who may do what with the annual reports (docs/annual-report.md).

- The programme office requests reports, watches their status and retries failed ones.
- Everyone who reads the programme dashboard (the office, sponsors, leaders and
  co-leaders: `can_see_dashboard`) may list and download *finished* reports: the report
  shows the dashboard's figures, programme-wide survey aggregates with suppression
  applied, and published stories and awards — nothing those readers cannot already see.
- A report that is not finished, or does not exist, is a 404 for a download.
"""

from __future__ import annotations

from django.http import Http404

from trellis.core.access import (
    User,
    require_dashboard_reader,
    require_programme_office,
)
from trellis.reports.models import AnnualReport


def annual_report_for_download(user: User, pk: int, kind: str) -> AnnualReport:
    """A finished report with only the file asked for loaded (`kind` is "pdf" or "xlsx")."""
    require_dashboard_reader(user)
    other = "xlsx" if kind == "pdf" else "pdf"
    report = (
        AnnualReport.objects.defer(other).filter(pk=pk, status=AnnualReport.Status.DONE).first()
    )
    if report is None:
        raise Http404
    return report


def annual_report_for_office(user: User, pk: int) -> AnnualReport:
    require_programme_office(user)
    report = AnnualReport.objects.defer("pdf", "xlsx").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
