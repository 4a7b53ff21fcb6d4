"""trellis rebuild-activity: recompute the ESN activity rollups (and author resolution)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from trellis.activity.services import authors_resolve, rollups_rebuild_all


class Command(BaseCommand):
    help = (
        "Recompute the ESN activity rollups from the stored messages: after a change of "
        "TIME_ZONE (with --days), after a people import (with --resolve-authors), or to "
        "check them. One transaction."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            action="store_true",
            help="first recompute each message's local day (after TIME_ZONE changed)",
        )
        parser.add_argument(
            "--resolve-authors",
            action="store_true",
            help="first resolve every ESN author again by e-mail and aliases",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resolve_authors"]:
            changed = authors_resolve(actor=None)
            self.stdout.write(_("Authors resolved differently: %(count)d.") % {"count": changed})
        pairs = rollups_rebuild_all(actor=None, recompute_days=options["days"])
        self.stdout.write(_("Rollups rebuilt for %(count)d space-months.") % {"count": pairs})
