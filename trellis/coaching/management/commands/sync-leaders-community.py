"""trellis sync-leaders-community: every current leader a member of the community of leaders."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from trellis.coaching.services import leaders_community_sync


class Command(BaseCommand):
    help = (
        "Create the community of leaders if needed, add every current leader and co-leader "
        "as a member, and end the membership of those who lead no community any more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = leaders_community_sync(actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if report.created:
            self.stdout.write(
                _("Created %(community)s (%(slug)s).")
                % {"community": report.community.name, "slug": report.community.slug}
            )
        self.stdout.write(
            _("%(added)d added, %(ended)d left.") % {"added": report.added, "ended": report.ended}
        )
