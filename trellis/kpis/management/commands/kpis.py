"""trellis kpis: a year's KPIs for the programme and its communities, as table, CSV or JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.kpis.export import to_csv
from trellis.kpis.labels import FIELD_LABELS
from trellis.kpis.selectors import (
    COMMUNITY_FIELDS,
    PROGRAMME_FIELDS,
    KpiResult,
    compute_kpis,
    open_year,
)

EXIT_USAGE = 2

# The community table on a terminal: (field, column title).
COLUMNS = [
    ("slug", "slug"),
    ("stage", "stage"),
    ("members", "members"),
    ("new_members", "new"),
    ("messages", "messages"),
    ("active_contributors", "contrib"),
    ("active_rate", "active"),
    ("events", "events"),
    ("webinars", "webinars"),
    ("attendance", "attend"),
    ("charter_updated", "charter"),
    ("objectives_met", "obj_met"),
    ("objectives", "obj"),
    ("has_sponsor", "sponsor"),
    ("has_leader", "leader"),
]


def cell(name: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)


class Command(BaseCommand):
    help = (
        "Print a year's KPIs (guide/kpis.md) for the programme and each community that counts: "
        "live for an open year, frozen for a closed one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, default=None, help="the year (default: the current year)"
        )
        parser.add_argument(
            "--community",
            metavar="SLUG",
            default=None,
            help="only this community (the programme figures then cover it alone)",
        )
        parser.add_argument(
            "--format",
            choices=["table", "csv", "json"],
            default="table",
            help="table (default, for a terminal), csv or json",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or open_year()
        if not 1900 <= year <= 9999:
            raise CommandError(_("The year must have four digits."), returncode=EXIT_USAGE)
        ids = None
        if options["community"]:
            pk = (
                Community.objects.filter(slug=options["community"])
                .values_list("pk", flat=True)
                .first()
            )
            if pk is None:
                raise CommandError(
                    _("No community has the address “%(slug)s”.") % {"slug": options["community"]},
                    returncode=EXIT_USAGE,
                )
            ids = [pk]
        result = compute_kpis(year, community_ids=ids)
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        elif fmt == "csv":
            self.stdout.write(to_csv(result).decode("utf-8"), ending="")
        else:
            self._table(result, single=ids is not None)

    def _table(self, result: KpiResult, *, single: bool) -> None:
        if result.closed and result.closed_at is not None:
            status = _("closed on %(date)s, frozen figures") % {
                "date": result.closed_at.date().isoformat()
            }
        else:
            status = _("computed live")
        self.stdout.write(_("KPIs %(year)s (%(status)s)") % {"year": result.year, "status": status})
        for note in result.notes:
            self.stdout.write(note)
        if single:
            if not result.communities:
                self.stdout.write(
                    _("This community does not count in %(year)s.") % {"year": result.year}
                )
                return
            row = result.communities[0]
            self.stdout.write("")
            self.stdout.write(f"{row['name']} ({row['slug']})")
            self._figures(row, COMMUNITY_FIELDS[2:])
            return
        self.stdout.write("")
        self.stdout.write(_("Programme"))
        self._figures(result.programme, PROGRAMME_FIELDS)
        self.stdout.write("")
        self.stdout.write(_("Communities"))
        if not result.communities:
            self.stdout.write("  " + _("No community counts in %(year)s.") % {"year": result.year})
            return
        rows = [[title for _name, title in COLUMNS]]
        rows += [[cell(name, c[name]) for name, _title in COLUMNS] for c in result.communities]
        widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
        for r in rows:
            parts = [
                value.ljust(width) if i < 2 else value.rjust(width)
                for i, (value, width) in enumerate(zip(r, widths, strict=True))
            ]
            self.stdout.write("  " + "  ".join(parts).rstrip())

    def _figures(self, figures: dict[str, Any], names: list[str]) -> None:
        width = max(len(n) for n in names)
        for name in names:
            value = figures.get(name)
            label = str(FIELD_LABELS.get(name, ""))
            if isinstance(value, dict):
                self.stdout.write(f"  {name.ljust(width)}  {'':>12}  {label}".rstrip())
                for key, n in value.items():
                    self.stdout.write(f"    {key.ljust(width - 2)}  {cell(key, n):>12}")
                continue
            self.stdout.write(f"  {name.ljust(width)}  {cell(name, value):>12}  {label}".rstrip())
