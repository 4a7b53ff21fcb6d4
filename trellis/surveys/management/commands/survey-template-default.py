"""trellis survey-template-default: create the default questionnaire (once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from trellis.surveys.services import template_create_default


class Command(BaseCommand):
    help = 'Create the default "Engagement and perceived value" questionnaire if it is missing.'

    def handle(self, *args: Any, **options: Any) -> None:
        template, created = template_create_default(actor=None)
        if created:
            self.stdout.write(
                _("Created %(template)s (id %(id)d).") % {"template": template, "id": template.pk}
            )
        else:
            self.stdout.write(
                _("%(template)s already exists (id %(id)d): nothing changed.")
                % {"template": template, "id": template.pk}
            )
