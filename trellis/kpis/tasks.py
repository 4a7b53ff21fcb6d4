"""Background work for KPI years: closing or recomputing a year runs in a worker.

The web request only queues the task; a year at enterprise scale takes seconds to freeze.
Arguments are plain JSON values (ids), as django-tasks requires.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from trellis.kpis import services


def _actor(actor_id: int | None):  # type: ignore[no-untyped-def]
    if actor_id is None:
        return None
    return get_user_model().objects.filter(pk=actor_id).first()


@task()
def close_year(year: int, actor_id: int | None = None) -> int:
    return services.kpi_year_close(actor=_actor(actor_id), year=year).pk


@task()
def recompute_year(year: int, reason: str, actor_id: int | None = None) -> int:
    return services.kpi_year_recompute(actor=_actor(actor_id), year=year, reason=reason).pk
