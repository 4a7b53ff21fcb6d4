"""Background jobs page: the office sees failed jobs and retries them; nobody else can."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tests.fingerprint import db_fingerprint
from trellis.kpis import tasks
from trellis.kpis.models import KpiSnapshot
from trellis.kpis.services import kpi_year_close

URLS_COVERED = ["ops_jobs", "ops_job_retry"]

# The worker closes and reopens its connection between tasks, as it does in production,
# which a test wrapped in one transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def failed_job(settings, world):  # type: ignore[no-untyped-def]
    """A recompute of a year that was never closed: the worker runs it and it fails."""
    settings.TASKS = DATABASE_QUEUE
    tasks.recompute_year.enqueue(2025, "HR data corrected", None)
    call_command("worker", batch=True, interval=0, verbosity=0)
    job = DBTaskResult.objects.get()
    assert job.status == "FAILED"
    return job


def test_it_keeps_the_jobs_page_for_the_office(failed_job, as_user):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    expected = {"anonymous": 302, "outsider": 403, "member": 403, "leader": 403, "sponsor": 403}
    seen = {persona: as_user(persona).get(reverse("ops_jobs")).status_code for persona in expected}
    assert seen == expected
    assert as_user("office").get(reverse("ops_jobs")).status_code == 200


def test_it_shows_the_failed_job_and_its_error(failed_job, as_user):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    response = as_user("office").get(reverse("ops_jobs") + "?status=FAILED")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Recompute a closed KPI year" in page
    assert "The year 2025 is not closed." in page
    assert f"/programme/jobs/{failed_job.id}/retry/" in page


def test_it_refuses_a_retry_by_anyone_but_the_office(failed_job, as_user):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    for persona in ("anonymous", "outsider", "member", "leader", "sponsor"):
        client = as_user(persona)  # logging in writes last_login: before the fingerprint
        before = db_fingerprint()
        response = client.post(reverse("ops_job_retry", args=[failed_job.id]))
        assert response.status_code == (302 if persona == "anonymous" else 403), persona
        if persona == "anonymous":
            assert "/login/" in response["Location"]
        assert db_fingerprint() == before, persona
        assert DBTaskResult.objects.count() == 1


def test_it_retries_a_failed_job_once_and_the_retry_can_succeed(failed_job, world, as_user):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    office = as_user("office")
    response = office.post(reverse("ops_job_retry", args=[failed_job.id]), follow=True)
    assert "The job was queued again." in response.content.decode()
    retried = DBTaskResult.objects.exclude(pk=failed_job.pk).get()
    assert retried.status == "READY"
    assert retried.task_path == failed_job.task_path
    assert retried.args_kwargs == failed_job.args_kwargs

    # A second click (another tab) does not queue a second copy.
    response = office.post(reverse("ops_job_retry", args=[failed_job.id]), follow=True)
    assert "already been retried" in response.content.decode()
    assert DBTaskResult.objects.count() == 2

    # The cause is mended (the year is closed), and the worker runs the retry to success.
    kpi_year_close(actor=world.office, year=2025)
    call_command("worker", batch=True, interval=0, verbosity=0)
    retried.refresh_from_db()
    assert retried.status == "SUCCESSFUL"
    assert KpiSnapshot.objects.filter(year=2025).count() == 2
    page = office.get(reverse("ops_jobs")).content.decode()
    assert "Retried on" in page


def test_it_refuses_to_retry_a_job_that_did_not_fail(settings, world, as_user):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    settings.TASKS = DATABASE_QUEUE
    result = tasks.close_year.enqueue(2025, None)
    response = as_user("office").post(reverse("ops_job_retry", args=[result.id]), follow=True)
    assert "Only a failed job can be retried." in response.content.decode()
    assert DBTaskResult.objects.count() == 1


def test_it_lists_jobs_in_a_fixed_number_of_queries(
    settings, world, as_user, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    settings.TASKS = DATABASE_QUEUE
    office = as_user("office")
    office.get(reverse("ops_jobs"))  # warm the session and the user's caches
    counts = []
    for _ in range(2):
        for year in range(2000, 2015):
            tasks.recompute_year.enqueue(year, "x", None)
        call_command("worker", batch=True, interval=0, verbosity=0)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert office.get(reverse("ops_jobs")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_names_every_background_task_for_people() -> None:
    """A new task must get a readable name on the jobs page (trellis/ops/jobs.py)."""
    import importlib
    from pathlib import Path

    from django_tasks.base import Task

    from trellis.ops.jobs import TASK_LABELS

    root = Path(__file__).resolve().parent.parent / "trellis"
    found = set()
    for path in sorted(root.glob("*/*tasks.py")):
        module = importlib.import_module(f"trellis.{path.parent.name}.{path.stem}")
        for value in vars(module).values():
            if isinstance(value, Task):
                found.add(value.module_path)
    assert "trellis.kpis.tasks.close_year" in found
    assert found - set(TASK_LABELS) == set()
