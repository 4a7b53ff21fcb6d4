"""Background jobs as the programme office sees them: what ran, what failed, and retry.

The rows are django-tasks-db's task results (the database queue every worker shares).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult

from trellis.core.audit import audit_record
from trellis.ops.models import JobRetry

# Known tasks by their path, with a name for people; others show their function name.
TASK_LABELS: dict[str, Any] = {
    "trellis.activity.tasks.run_import_job": gettext_lazy("ESN activity import"),
    "trellis.kpis.tasks.close_year": gettext_lazy("Close a KPI year"),
    "trellis.kpis.tasks.recompute_year": gettext_lazy("Recompute a closed KPI year"),
    "trellis.surveys.tasks.send_invitations": gettext_lazy("Survey invitations and reminders"),
    "trellis.incubation.tasks.detect_dormancy": gettext_lazy("Dormancy detection"),
    "trellis.programme.tasks.letters_daily": gettext_lazy(
        "Engagement letters: expiry and reminders"
    ),
    "trellis.reports.annual_tasks.generate_annual_report": gettext_lazy("Annual programme report"),
    "trellis.comms.tasks.deliver_newsletter": gettext_lazy("Newsletter delivery"),
}

STATUSES = ("READY", "RUNNING", "FAILED", "SUCCESSFUL")


class RetryError(Exception):
    """A retry the office cannot do; the message says why."""


@dataclass(frozen=True)
class JobView:
    result: DBTaskResult
    retry: JobRetry | None

    @property
    def label(self) -> str:
        label = TASK_LABELS.get(self.result.task_path)
        if label is not None:
            return str(label)
        return self.result.task_path.rsplit(".", 1)[-1].replace("_", " ")

    @property
    def error(self) -> str:
        """The exception's last line (its class and message), not the whole traceback."""
        lines = [line for line in self.result.traceback.strip().splitlines() if line.strip()]
        return lines[-1][:500] if lines else ""

    @property
    def can_retry(self) -> bool:
        return self.result.status == "FAILED" and self.retry is None


def jobs(*, status: str = "") -> QuerySet[DBTaskResult]:
    queryset = DBTaskResult.objects.order_by("-enqueued_at")
    if status in STATUSES:
        queryset = queryset.filter(status=status)
    return queryset.defer("return_value", "args_kwargs")


def status_counts() -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    rows = DBTaskResult.objects.order_by().values_list("status").annotate(n=Count("id"))
    for status, n in rows:
        counts[status] = n
    return counts


def job_views(results: list[DBTaskResult]) -> list[JobView]:
    retries = {
        r.original_id: r for r in JobRetry.objects.filter(original_id__in=[r.id for r in results])
    }
    return [JobView(result=r, retry=retries.get(_uuid(r.id))) for r in results]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def job_retry(*, actor: Any, job_id: uuid.UUID) -> str:
    """Enqueue a failed job again with the same arguments; return the new job's id.

    1. Lock nothing in the queue: insert the JobRetry row first (unique on the failed
       job), so two clicks or two offices retrying at once make exactly one new job.
    2. Enqueue the same task with the same arguments, priority and queue.
    3. Audit who retried what.
    """
    try:
        result = DBTaskResult.objects.get(pk=job_id)
    except DBTaskResult.DoesNotExist as error:
        raise RetryError(_("This job does not exist any more.")) from error
    if result.status != "FAILED":
        raise RetryError(_("Only a failed job can be retried."))
    try:
        task = result.task
    except ImportError as error:
        raise RetryError(_("This job's task no longer exists in this version.")) from error
    try:
        with transaction.atomic():
            marker = JobRetry.objects.create(
                original_id=result.id, retry_id=uuid.uuid4(), retried_by=_user(actor)
            )
            args = result.args_kwargs.get("args", [])
            kwargs = result.args_kwargs.get("kwargs", {})
            new = task.enqueue(*args, **kwargs)
            marker.retry_id = _uuid(new.id)
            marker.save(update_fields=["retry_id"])
            audit_record(
                actor=actor,
                action="ops.job_retry",
                object_type="django_tasks_db.dbtaskresult",
                object_id=str(result.id),
                object_repr=JobView(result=result, retry=None).label,
                changes={"new_job": str(new.id)},
            )
    except IntegrityError as error:
        raise RetryError(_("This job has already been retried.")) from error
    return str(new.id)


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None
