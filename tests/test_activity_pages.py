"""Office pages for ESN activity: permissions, upload → background import → progress,
error report, retry, space mapping with suggestions, author aliases, the worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands
from django.test import Client
from django.utils import timezone

from tests.activity_exports import VivaExport, VivaMessage, VivaUser, write_zip
from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.activity.models import AuthorAlias, EsnAuthor, ImportJob, Space
from trellis.activity.services import activity_import, import_job_create
from trellis.core.models import AuditEntry

PERSONAS = [
    "anonymous",
    "outsider",
    "member",
    "core",
    "leader",
    "sponsor",
    "other_leader",
    "office",
]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def viva_zip(folder: Path, *, bad_date: bool = False) -> Path:
    export = VivaExport(
        users=[VivaUser("1", "Lea", "leader@example.com"), VivaUser("2", "Ann", "ann@x.org")],
        groups={"10": "Welding practice", "11": "Quality circle"},
    )
    moment = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    export.messages = [
        VivaMessage("1", "10", "1", moment),
        VivaMessage("2", "10", "2", moment, thread="1"),
        VivaMessage("3", "11", "2", moment),
    ]
    path = write_zip(folder / "export.zip", export.files())
    if bad_date:
        data = path.read_bytes()
        export.messages[1].created = moment
        files = export.files()
        files["Messages.csv"] = files["Messages.csv"].replace(
            b"2026-03-02T09:00:00.000Z", b"soon", 1
        )
        path = write_zip(folder / "bad.zip", files)
        assert data != path.read_bytes()
    return path


def job(world: World, tmp_path: Path, **fields: object) -> ImportJob:
    path = viva_zip(tmp_path)
    defaults: dict[str, object] = {
        "source": "viva-engage",
        "filename": "export.zip",
        "path": str(path),
        "status": ImportJob.Status.FAILED,
        "errors": [{"file": "Messages.csv", "line": 3, "reason": "=HYPERLINK(bad)"}],
        "counts": {"rejected": 1},
    }
    defaults.update(fields)
    return ImportJob.objects.create(created_by=world.office, **defaults)


def imported(world: World, tmp_path: Path) -> None:
    report = activity_import(actor=None, source="viva-engage", path=viva_zip(tmp_path))
    assert report.ok


# url name -> (method, path builder, data, is_write)
Case = tuple[str, Callable[[World, Path], str], dict[str, object], bool]
CASES: dict[str, Case] = {
    "activity_imports": ("get", lambda w, t: "/activity/imports/", {}, False),
    "activity_import_new": ("get", lambda w, t: "/activity/imports/new/", {}, False),
    "activity_import": ("get", lambda w, t: f"/activity/imports/{job(w, t).pk}/", {}, False),
    "activity_import_errors": (
        "get",
        lambda w, t: f"/activity/imports/{job(w, t).pk}/errors.csv",
        {},
        False,
    ),
    "activity_import_retry": (
        "post",
        lambda w, t: f"/activity/imports/{job(w, t).pk}/retry/",
        {},
        True,
    ),
    "activity_import_apply": (
        "post",
        lambda w, t: (
            "/activity/imports/"
            f"{job(w, t, status='done', dry_run=True, errors=[], counts={}).pk}/apply/"
        ),
        {},
        True,
    ),
    "activity_spaces": ("get", lambda w, t: (imported(w, t), "/activity/spaces/")[1], {}, False),
    "activity_space": (
        "get",
        lambda w, t: (imported(w, t), f"/activity/spaces/{Space.objects.first().pk}/")[1],  # type: ignore[union-attr]
        {},
        False,
    ),
    "activity_authors": ("get", lambda w, t: (imported(w, t), "/activity/authors/")[1], {}, False),
    "activity_author": (
        "get",
        lambda w, t: (imported(w, t), f"/activity/authors/{EsnAuthor.objects.first().pk}/")[1],  # type: ignore[union-attr]
        {},
        False,
    ),
}
# Writes of the pages with a form (the POST of the same URL).
WRITES: dict[str, tuple[Callable[[World, Path], str], Callable[[World], dict[str, object]]]] = {
    "activity_space": (
        lambda w, t: (imported(w, t), f"/activity/spaces/{Space.objects.first().pk}/")[1],  # type: ignore[union-attr]
        lambda w: {"community": w.welding.pk},
    ),
    "activity_author": (
        lambda w, t: (
            imported(w, t),
            f"/activity/authors/{EsnAuthor.objects.get(external_id='2').pk}/",
        )[1],
        lambda w: {"email": "member@example.com"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_opens_activity_pages_to_the_office_only(
    name: str, persona: str, world: World, as_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    method, build, data, is_write = CASES[name]
    path = build(world, tmp_path)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, data)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona == "office":
        assert response.status_code == (302 if is_write else 200)
        if is_write:
            assert db_fingerprint() != before
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_it_lets_only_the_office_map_spaces_and_set_aliases(
    name: str, persona: str, world: World, as_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    build, data = WRITES[name]
    path = build(world, tmp_path)
    client = as_user(persona)  # logging in writes last_login: before the fingerprint
    before = db_fingerprint()
    response = client.post(path, data(world))
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona == "office":
        assert response.status_code == 302
        assert db_fingerprint() != before
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


def test_it_lists_the_pages_on_the_programme_home(as_user) -> None:  # type: ignore[no-untyped-def]
    body = as_user("office").get("/programme/").content.decode()
    for url in ("/activity/imports/", "/activity/spaces/", "/activity/authors/"):
        assert f'href="{url}"' in body


def test_it_imports_an_upload_in_the_background_and_shows_it(
    world: World, as_user, tmp_path: Path, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE
    settings.TRELLIS_VAR_DIR = tmp_path
    settings.VAR_DIR = tmp_path
    client: Client = as_user("office")
    upload = SimpleUploadedFile("export.zip", viva_zip(tmp_path).read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/activity/imports/new/", {"source": "viva-engage", "file": upload, "dry_run": ""}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/activity/imports/{job.pk}/"
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.counts["new"] == 3 and job.progress == 3
    assert not Path(job.path).exists()  # applied: the stored upload is not needed any more
    page = client.get(f"/activity/imports/{job.pk}/").content.decode()
    assert "every 2s" not in page  # finished: no more polling
    assert Space.objects.filter(community__isnull=True).count() == 2
    spaces = client.get("/activity/spaces/").content.decode()
    assert "Map to Welding" in spaces  # "Welding practice" resembles the community Welding


def test_it_polls_a_running_job_and_shows_its_progress(
    world: World, as_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    running = job(
        world,
        tmp_path,
        status="running",
        errors=[],
        counts={},
        progress=1200,
        total=4800,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    client = as_user("office")
    page = client.get(f"/activity/imports/{running.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "25 %" in page
    fragment = client.get(f"/activity/imports/{running.pk}/", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="job-status"')
    assert "Retry" not in page


def test_it_reports_a_bad_file_and_offers_the_errors_as_csv(
    world: World, as_user, tmp_path: Path, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE
    settings.VAR_DIR = tmp_path
    client = as_user("office")
    upload = SimpleUploadedFile("bad.zip", viva_zip(tmp_path, bad_date=True).read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/activity/imports/new/", {"source": "viva-engage", "file": upload})
    failed = ImportJob.objects.get()
    assert failed.status == ImportJob.Status.FAILED
    assert not Space.objects.exists()
    page = client.get(f"/activity/imports/{failed.pk}/").content.decode()
    assert "is not a date and time" in page and "Retry this import" in page
    report = client.get(f"/activity/imports/{failed.pk}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "file,line,reason" and lines[1].startswith("Messages.csv,2,")


def test_it_retries_an_interrupted_job(
    world: World, as_user, tmp_path: Path, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE
    # A worker claimed this job and was killed: its transaction left nothing behind.
    killed = job(
        world,
        tmp_path,
        status="running",
        errors=[],
        counts={},
        started_at=timezone.now() - dt.timedelta(hours=1),
        heartbeat_at=timezone.now() - dt.timedelta(minutes=30),
    )
    client = as_user("office")
    assert "Retry this import" in client.get(f"/activity/imports/{killed.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/activity/imports/{killed.pk}/retry/")
    killed.refresh_from_db()
    assert killed.status == ImportJob.Status.DONE and killed.counts["new"] == 3
    assert AuditEntry.objects.filter(action="activity.import_retry").count() == 1


def test_it_refuses_to_retry_a_job_that_is_running(world: World, as_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alive = job(world, tmp_path, status="running", errors=[], heartbeat_at=timezone.now())
    as_user("office").post(f"/activity/imports/{alive.pk}/retry/")
    alive.refresh_from_db()
    assert alive.status == ImportJob.Status.RUNNING


def test_it_applies_a_clean_dry_run(
    world: World, as_user, tmp_path: Path, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE
    settings.VAR_DIR = tmp_path
    client = as_user("office")
    upload = SimpleUploadedFile("export.zip", viva_zip(tmp_path).read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/activity/imports/new/", {"source": "viva-engage", "file": upload, "dry_run": "on"}
        )
    dry = ImportJob.objects.get()
    assert dry.status == ImportJob.Status.DONE and dry.counts["new"] == 3
    assert not Space.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/activity/imports/{dry.pk}/apply/")
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert real.status == ImportJob.Status.DONE and not real.dry_run
    assert Space.objects.count() == 2


def test_it_maps_a_space_with_one_click_and_remaps_it(
    world: World, as_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    imported(world, tmp_path)
    client = as_user("office")
    space = Space.objects.get(external_id="10")
    response = client.post(
        f"/activity/spaces/{space.pk}/",
        {"community": world.welding.pk, "next": "/activity/spaces/?mapping=unmapped"},
    )
    assert response["Location"] == "/activity/spaces/?mapping=unmapped"
    space.refresh_from_db()
    assert space.community == world.welding
    unmapped = client.get("/activity/spaces/?mapping=unmapped").content.decode()
    other = Space.objects.get(external_id="11")
    assert f'href="/activity/spaces/{space.pk}/"' not in unmapped
    assert f'href="/activity/spaces/{other.pk}/"' in unmapped
    client.post(f"/activity/spaces/{space.pk}/", {"community": world.cloud.pk})
    space.refresh_from_db()
    assert space.community == world.cloud
    client.post(f"/activity/spaces/{space.pk}/", {"community": ""})
    space.refresh_from_db()
    assert space.community is None


def test_it_resolves_an_author_through_the_alias_page(
    world: World, as_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    imported(world, tmp_path)
    client = as_user("office")
    listing = client.get("/activity/authors/").content.decode()
    assert "ann@x.org" in listing and "leader@example.com" not in listing  # unresolved only
    author = EsnAuthor.objects.get(external_id="2")
    bad = client.post(f"/activity/authors/{author.pk}/", {"email": "nobody@nowhere.org"})
    assert "Nobody in the directory has this e-mail." in bad.content.decode()
    client.post(f"/activity/authors/{author.pk}/", {"email": "member@example.com"})
    author.refresh_from_db()
    assert author.person == world.member.person
    assert AuthorAlias.objects.get().source == "viva-engage"


def test_it_runs_queued_imports_in_the_worker(transactional_db: None, tmp_path: Path) -> None:
    # transactional_db: the worker closes and reopens its connection between tasks, as it
    # does in production, which a test wrapped in one transaction would not survive.
    assert "worker" in get_commands()
    queued = import_job_create(
        actor=None,
        source="viva-engage",
        path=viva_zip(tmp_path),
        filename="export.zip",
    )
    queued.refresh_from_db()
    assert queued.status == ImportJob.Status.QUEUED
    call_command("worker", batch=True, interval=0, verbosity=0)
    queued.refresh_from_db()
    assert queued.status == ImportJob.Status.DONE and queued.counts["new"] == 3


def test_it_suggests_a_community_by_link_then_by_name(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    url = "https://engage.cloud.microsoft/main/groups/eyJfdHlwZSI6Ikdyb3VwIiwiaWQiOiI0MiJ9"
    world.cloud.description = f"Join us on Viva Engage: {url}"
    world.cloud.save()
    linked = Space.objects.create(source="viva-engage", external_id="42", name="Misc", url=url)
    named = Space.objects.create(source="slack", external_id="C9", name="welding-tips")
    lost = Space.objects.create(source="slack", external_id="C8", name="random")
    page = as_user("office").get("/activity/spaces/?mapping=unmapped").content.decode()
    rows = {
        s.pk: page.split(f'href="/activity/spaces/{s.pk}/"')[1][:1500]
        for s in (linked, named, lost)
    }
    assert "Map to Cloud security" in rows[linked.pk] and "its link is in" in rows[linked.pk]
    assert "Map to Welding" in rows[named.pk] and "similar name" in rows[named.pk]
    assert "Map to" not in rows[lost.pk].split("</tr>")[0]
