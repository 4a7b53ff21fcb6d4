"""trellis health-snapshot: record every followed community's health in its history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from trellis.health.models import Status
from trellis.health.services import health_snapshot_take


class Command(BaseCommand):
    help = (
        "Compute the health status of every incubating, active and dormant community "
        "(docs/health.md) and add it to each community's history; print the counts per "
        "status. Schedule it monthly (cron, systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the counts without recording anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            from trellis.health.selectors import health_statuses

            statuses = health_statuses()
            counts = dict.fromkeys(Status.values, 0)
            for health in statuses.values():
                counts[health.status] += 1
            total = len(statuses)
        else:
            report = health_snapshot_take(actor=None)
            counts = {s: report.by_status.get(s, 0) for s in Status.values}
            total = report.taken
        self.stdout.write(
            _("%(total)s communities: %(green)s green, %(amber)s amber, %(red)s red.")
            % {"total": total, **counts}
        )
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing recorded."))
