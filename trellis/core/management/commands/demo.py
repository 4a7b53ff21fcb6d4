"""trellis demo: one command from a fresh clone to a running demo.

Migrates, seeds the `small` demo programme when the database has no community yet, prints
how to log in as each persona, then serves on 127.0.0.1 (Django's development server,
which also serves the static files: our CSS and the htmx that django-htmx ships).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.core import demo, demo_activity


class Command(BaseCommand):
    help = (
        "Start Trellis with a demo programme: migrate, seed the small demo when there is no "
        "community yet, print the demo logins and serve on http://127.0.0.1:8000."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8000, help="port to serve on (default 8000)"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare the database and stop: do not serve"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = f"http://127.0.0.1:{options['port']}"
        quiet = max(0, options["verbosity"] - 1)
        call_command("migrate", interactive=False, verbosity=quiet)
        if Community.objects.exists():
            self.stdout.write(_("The database already holds communities: nothing to seed."))
        elif not demo.is_empty():
            self.stdout.write(
                _(
                    "The database holds people but no community: the demo is not seeded. "
                    "Run `trellis seed-demo --reset` to replace them with the demo programme."
                )
            )
        else:
            self.stdout.write(_("Seeding the demo programme (small)…"))
            report = demo.seed(scale=demo.SCALES["small"], seed=1, today=timezone.localdate())
            self.stdout.write(
                _("%(communities)s communities, %(people)s people, %(memberships)s memberships.")
                % report.counts
            )
            activity = demo_activity.seed_activity(seed=1, today=report.today)
            self.stdout.write(
                _("%(messages)s ESN messages imported, %(events)s events held.") % activity
            )
        for line in demo.persona_lines(base_url):
            self.stdout.write(line)
        if options["no_serve"]:
            return
        if not settings.DEBUG:
            # Without DEBUG the development server does not serve static files by itself.
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("")
        self.stdout.write(_("Trellis is starting at %(url)s (Ctrl+C to stop).") % {"url": base_url})
        call_command(
            "runserver",
            f"127.0.0.1:{options['port']}",
            use_reloader=False,
            insecure_serving=not settings.DEBUG,
        )
