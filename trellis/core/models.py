from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeSettings(models.Model):
    """The programme's own settings: one row, created on first read."""

    name = models.CharField(_("programme name"), max_length=200, default="Communities@Work")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    exclude_staff_from_activity = models.BooleanField(
        _("exclude programme staff from activity KPIs"), default=False
    )
    charter_approval_required = models.BooleanField(
        _("charters need the sponsor's approval"), default=True
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#1f5f8b",
        help_text=_("A hexadecimal colour such as #1f5f8b."),
    )

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def load(cls) -> ProgrammeSettings:
        """The settings row, or the defaults (unsaved) until the office saves them."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AuditEntry(models.Model):
    """One audited write: who, when (UTC), what changed.

    Bulk paths (imports) write one entry per job whose `changes` summarises the job.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes: models.JSONField[Any, Any] = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class LoginFailure(models.Model):
    """A failed login, kept for the brute-force limit (per username and per IP)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M}"
