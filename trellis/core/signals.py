"""Keep the programme-office group able to use the Django admin after each migrate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from trellis.core.access import PROGRAMME_OFFICE_GROUP

ADMIN_APPS = ("core", "people", "communities")


def ensure_programme_office_group(**kwargs: Any) -> None:
    group, _created = Group.objects.get_or_create(name=PROGRAMME_OFFICE_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS).exclude(
        codename__in=[
            "add_auditentry",
            "change_auditentry",
            "delete_auditentry",
            "add_loginfailure",
            "change_loginfailure",
            "delete_loginfailure",
        ]
    )
    group.permissions.add(*perms)
