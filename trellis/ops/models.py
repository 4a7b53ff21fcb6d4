from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRetry(models.Model):
    """A failed background job that the programme office ran again, and the new job.

    The task queue's own rows belong to django-tasks-db; this record keeps who retried which
    job, and its uniqueness makes a second click on "Retry" harmless.
    """

    original_id = models.UUIDField(_("failed job"), unique=True)
    retry_id = models.UUIDField(_("new job"))
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    retried_at = models.DateTimeField(_("retried at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job retry")
        verbose_name_plural = _("job retries")

    def __str__(self) -> str:
        return f"{self.original_id} → {self.retry_id}"
