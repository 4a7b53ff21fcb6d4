"""Background tasks of the activity app (django-tasks; `trellis worker` runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    """Run one queued activity import; several workers may race for it, one wins."""
    from trellis.activity.services import import_job_run

    job = import_job_run(job_id=job_id)
    return job.status if job is not None else "skipped"
