"""Writes on ESN activity: imports, import jobs, space mappings, author aliases, rollups.

Every function is keyword-only, runs in one transaction and records an audit entry; bulk
paths record one entry per import. Views, commands and tasks call these.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.activity import rollups
from trellis.activity.feed import message_batches
from trellis.activity.importer import (
    ImportReport,
    Progress,
    Writer,
    alias_key,
    apply_links,
    resolve_people,
    unresolved_note,
)
from trellis.activity.models import AuthorAlias, EsnAuthor, ImportJob, Source, Space
from trellis.activity.sources import reader_for
from trellis.activity.sources.base import RowError, SourceError
from trellis.communities.models import Community, SpaceLink
from trellis.core.audit import Actor, audit_record
from trellis.people.models import Person

logger = logging.getLogger(__name__)

# A running job without a sign of life for this long was killed: it may be retried.
STALE_AFTER = 10 * 60
# SQLite keeps this many KiB of pages in memory during an import (default: 2 MiB).
SQLITE_IMPORT_CACHE_KIB = 128 * 1024
# How long an import waits for another one to finish (seconds).
IMPORT_LOCK_WAIT = 30 * 60
IMPORT_LOCK_KEY = 0x74726C01  # the advisory lock of activity imports on PostgreSQL


class _Rejected(Exception):
    """Rows were rejected: roll the transaction back."""


def file_sha256(path: Path) -> str:
    """sha256 of a file, or of a folder's files (sorted relative names and contents)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(item.relative_to(path).as_posix().encode() + b"\0")
            with item.open("rb") as stream:
                for block in iter(lambda s=stream: s.read(1 << 20), b""):  # type: ignore[misc]
                    digest.update(block)
        return digest.hexdigest()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def activity_import(
    *,
    actor: Actor,
    source: str,
    path: Path,
    dry_run: bool = False,
    job: ImportJob | None = None,
    progress: Progress | None = None,
    memberships: bool = False,
    filename: str | None = None,
    beat: Callable[[], None] | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import one export, all or nothing.

    1. Hash the file (the audit entry names it by sha256).
    2. In ONE transaction: stream the rows through the source's reader into the writer
       (spaces, authors, messages in batches; see importer.py).
    3. Any rejected row, or an unreadable file: roll everything back and report each
       problem with file, line and reason.
    4. Otherwise apply the space mappings, rebuild the rollups of the affected spaces and
       months, add channel members when asked, and write one `activity.import` audit
       entry; a dry run rolls back here, after computing exact figures.

    Large message files are parsed in a child process while this one writes
    (`parallel` None decides by size; see feed.py).
    """
    if source not in Source.values:
        raise ValueError(source)
    report = ImportReport(source=source, filename=filename or path.name, dry_run=dry_run)
    try:
        report.sha256 = file_sha256(path)
    except OSError as exc:
        report.unreadable = True
        report.errors.append(RowError(report.filename, None, exc.strerror or str(exc)))
        return report
    reader = reader_for(source, path)
    try:
        with reader, _import_connection(), transaction.atomic():
            _one_import_at_a_time()
            reader.open()
            writer = Writer(reader=reader, report=report, progress=progress, beat=beat)
            if reader.kind == "messages":
                writer.write_messages(message_batches(reader, parallel=parallel))
            elif reader.kind == "days":
                writer.write_days(reader.rows())
            else:
                writer.write_usage(reader.rows())
            report.read = reader.rows_read
            if reader.error_count:
                raise _Rejected
            writer.finish()
            if memberships and source == Source.SLACK:
                report.memberships_added = writer.add_memberships()
            unresolved_note(report)
            if dry_run:
                transaction.set_rollback(True)
            else:
                audit_record(
                    actor=actor,
                    action="activity.import",
                    object_type="activity.importjob" if job else "",
                    object_id=str(job.pk) if job else "",
                    object_repr=report.filename,
                    changes={
                        "source": source,
                        "filename": report.filename,
                        "sha256": report.sha256,
                        **report.counts(),
                    },
                )
                report.applied = True
    except _Rejected:
        pass
    except SourceError as exc:
        report.unreadable = True
        report.errors.append(RowError(exc.file, exc.line, exc.reason))
    report.read = reader.rows_read
    report.rejected = reader.error_count
    report.errors = reader.errors + report.errors
    report.notes = reader.notes + report.notes
    if not report.applied and not dry_run:
        # Nothing was written: the figures describe what the file holds, not changes.
        report.new = report.updated = report.unchanged = 0
        report.spaces_new = report.authors_new = report.memberships_added = 0
    return report


class _import_connection:
    """On SQLite, for the import's connection: a larger page cache, and a long wait for
    the write lock when another import holds it (several workers); both restored after."""

    def __enter__(self) -> None:
        self.previous: tuple[int, int] | None = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache = cursor.fetchone()[0]
                cursor.execute("PRAGMA busy_timeout")
                timeout = cursor.fetchone()[0]
                self.previous = (int(cache), int(timeout))
                cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_IMPORT_CACHE_KIB)}")
                cursor.execute(f"PRAGMA busy_timeout = {int(IMPORT_LOCK_WAIT * 1000)}")

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {self.previous[0]}")
                cursor.execute(f"PRAGMA busy_timeout = {self.previous[1]}")


def _one_import_at_a_time() -> None:
    """Imports run one after the other: two that rebuild the same rollups at once would
    collide on their unique keys. SQLite's write lock already does this; on PostgreSQL a
    transaction-level advisory lock does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


# --- Import jobs ----------------------------------------------------------------------------


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads" / "activity"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "export"
    return base[-100:]


def store_activity_upload(upload: UploadedFile) -> tuple[Path, str]:
    """Keep an uploaded export under VAR_DIR/uploads/activity/ for the worker and reruns."""
    directory = upload_dir()
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    target = directory / f"{uuid.uuid4().hex[:12]}-{_safe_name(upload.name or 'export')}"
    os.replace(tmp, target)
    return target, digest.hexdigest()


@transaction.atomic
def import_job_create(
    *,
    actor: Actor,
    source: str,
    path: Path,
    filename: str,
    dry_run: bool = False,
    memberships: bool = False,
    sha256: str = "",
    enqueue: bool = True,
) -> ImportJob:
    """Record an import and, by default, queue it for a worker (after the commit)."""
    if source not in Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    job = ImportJob.objects.create(
        source=source,
        filename=filename[:300],
        path=str(path)[:500],
        sha256=sha256,
        dry_run=dry_run,
        options={"memberships": True} if memberships else {},
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    # No audit entry here: the import writes one (`activity.import`, naming this job) when it
    # applies; the job row itself records who uploaded what, and what became of it.
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from trellis.activity.tasks import run_import_job

    run_import_job.enqueue(job_id)


def import_job_is_stale(job: ImportJob) -> bool:
    if job.status != ImportJob.Status.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return (timezone.now() - last).total_seconds() > STALE_AFTER


@transaction.atomic
def import_job_retry(*, actor: Actor, job: ImportJob) -> ImportJob:
    """Queue a failed job again (or a running one whose worker was killed)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.FAILED and not import_job_is_stale(job):
        raise ValidationError(_("Only a failed or interrupted import can be retried."))
    if not job.path or not Path(job.path).exists():
        raise ValidationError(_("The file of this import is no longer available: upload it again."))
    job.status = ImportJob.Status.QUEUED
    job.progress, job.total = 0, None
    job.counts, job.errors, job.message = {}, [], ""
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.save()
    audit_record(actor=actor, action="activity.import_retry", obj=job)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def progress_file(job_id: int) -> Path:
    return upload_dir() / f".job-{job_id}.progress"


class JobProgress:
    """Progress of a running job, visible to the job page while the import's transaction
    is still open.

    On SQLite the import holds the only write lock, so progress goes to a small file next
    to the uploads; elsewhere, to the job row through a second connection (autocommit).
    At most one write per second.
    """

    def __init__(self, job: ImportJob, *, also: Progress | None = None) -> None:
        self.job_id = job.pk
        self.also = also
        self.file = progress_file(job.pk) if connection.vendor == "sqlite" else None
        self._conn: Any = None
        self._last = 0.0
        self.read: int = 0
        self.total: int | None = None

    def __call__(self, read: int, total: int | None) -> None:
        self.read, self.total = read, total
        if self.also is not None:
            self.also(read, total)
        self.beat()

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last < 1.0:
            return
        self._last = now
        stamp = timezone.now()
        if self.file is not None:
            payload = json.dumps(
                {"progress": self.read, "total": self.total, "at": stamp.isoformat()}
            )
            tmp = self.file.with_suffix(".tmp")
            tmp.write_text(payload)
            os.replace(tmp, self.file)
            return
        if self._conn is None:
            self._conn = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._conn.cursor() as cursor:
            cursor.execute(
                "UPDATE activity_importjob SET progress = %s, total = %s, heartbeat_at = %s "
                "WHERE id = %s",
                [self.read, self.total, stamp, self.job_id],
            )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self.file is not None:
            self.file.unlink(missing_ok=True)


def import_job_run(*, job_id: int, progress: Progress | None = None) -> ImportJob | None:
    """Run a queued job: claim it (so that two workers never run it twice), import, record.

    Returns None when the job is not queued (another worker took it, or it is gone).
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    sink = JobProgress(job, also=progress)
    try:
        report = activity_import(
            actor=job.created_by,
            source=job.source,
            path=Path(job.path),
            dry_run=job.dry_run,
            job=job,
            progress=sink,
            beat=sink.beat,
            memberships=bool(job.options.get("memberships")),
            filename=job.filename,
        )
    except Exception as exc:
        logger.exception("activity import job %s failed", job_id)
        job.status = ImportJob.Status.FAILED
        job.message = _("The import stopped on an unexpected error: %(error)s") % {"error": exc}
        report = None
    finally:
        sink.close()
    if report is not None:
        job.status = ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED
        job.counts = report.counts()
        job.errors = [{"file": e.file, "line": e.line, "reason": e.reason} for e in report.errors]
        job.sha256 = report.sha256
        job.progress = report.read
        job.total = report.read
        job.message = "\n".join(report.notes)
    job.finished_at = job.heartbeat_at = timezone.now()
    job.save()
    if report is not None and report.applied:
        _discard_upload(job)
    return job


def _discard_upload(job: ImportJob) -> None:
    """An applied upload is not needed any more (re-importing it would change nothing)."""
    path = Path(job.path)
    if path.parent == upload_dir() and path.exists():
        path.unlink()


# --- Space mappings ---------------------------------------------------------------------------


@transaction.atomic
def space_map(*, actor: Actor, space: Space, community: Community | None) -> Space:
    """Map a space to a community (or unmap it with None).

    The mapping is stored as a SpaceLink by the space's id, like `trellis map-spaces`
    writes it, so that it survives a rename and round-trips through export-spaces.
    Rollups are keyed by space: only Space.community changes.
    """
    space = Space.objects.select_for_update().get(pk=space.pk)
    old = space.community
    links = SpaceLink.objects.filter(source=space.source)
    if community is None:
        links.filter(space__in=[space.external_id, space.name]).delete()
    else:
        links.update_or_create(
            source=space.source,
            space=space.external_id,
            defaults={"community": community, "url": space.url},
        )
    if old != community:
        space.community = community
        space.save(update_fields=["community"])
        audit_record(
            actor=actor,
            action="space.map",
            obj=space,
            changes={
                "community": [old.slug if old else None, community.slug if community else None]
            },
        )
    return space


@transaction.atomic
def space_links_apply(*, actor: Actor, source: str | None = None) -> int:
    """Apply the SpaceLink mappings to the imported spaces (after `map-spaces` or any
    change of mappings); returns how many spaces changed community."""
    changed = 0
    for src in [source] if source else Source.values:
        changed += apply_links(src)
    if changed:
        audit_record(
            actor=actor,
            action="space.links_apply",
            object_type="activity.space",
            changes={"source": source or "all", "spaces": changed},
        )
    return changed


# --- Authors and aliases ------------------------------------------------------------------------


def _reresolve(authors: list[EsnAuthor]) -> tuple[int, int]:
    """Resolve these authors again; rebuild the rollups their contributions touch.

    Returns (authors changed, rollup pairs rebuilt).
    """
    by_source: dict[str, list[EsnAuthor]] = {}
    for author in authors:
        by_source.setdefault(author.source, []).append(author)
    changed: list[EsnAuthor] = []
    old_keys: set[int] = set()
    for source, group in by_source.items():
        people = resolve_people(source, ((a.external_id, a.email) for a in group))
        for author in group:
            person = people.get(author.external_id)
            if person != author.person_id:
                old_keys.add(author.contributor_key)
                author.person_id = person
                changed.append(author)
    EsnAuthor.objects.bulk_update(changed, ["person"], batch_size=500)
    pairs = rollups.pairs_of_contributors(old_keys) if old_keys else set()
    return len(changed), rollups.rebuild(pairs)


@transaction.atomic
def alias_set(
    *, actor: Actor, key: str, person: Person | None, source: str = ""
) -> AuthorAlias | None:
    """Map an ESN identity (an e-mail or an ESN user id; `source` "" for any source) to a
    person, or remove the alias with person=None. Authors it resolves differently are
    re-resolved and their rollups rebuilt at once."""
    key = alias_key(key)
    if not key:
        raise ValidationError({"key": _("Give an e-mail or an ESN user id.")})
    if source and source not in Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    existing = AuthorAlias.objects.filter(source=source, key=key).first()
    old = existing.person if existing else None
    alias: AuthorAlias | None
    if person is None:
        if existing is not None:
            existing.delete()
        alias = None
    elif existing is None:
        alias = AuthorAlias.objects.create(source=source, key=key, person=person)
    else:
        existing.person = person
        existing.save(update_fields=["person"])
        alias = existing
    authors = EsnAuthor.objects.all()
    if source:
        authors = authors.filter(source=source)
    affected = list(authors.filter(external_id=key))
    if "@" in key:
        affected += list(authors.filter(email__iexact=key))
    changed, pairs = _reresolve(list({a.pk: a for a in affected}.values()))
    audit_record(
        actor=actor,
        action="author.alias",
        object_type="activity.authoralias",
        object_id=str(alias.pk) if alias else "",
        object_repr=key,
        changes={
            "source": source,
            "key": key,
            "person": [old.email if old else None, person.email if person else None],
            "authors_changed": changed,
            "rollup_pairs": pairs,
        },
    )
    return alias


@transaction.atomic
def authors_resolve(*, actor: Actor) -> int:
    """Resolve every ESN author again (after a people import, say); returns how many
    changed. Their rollups are rebuilt."""
    changed = 0
    pairs = 0
    batch: list[EsnAuthor] = []
    for author in EsnAuthor.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(author)
        if len(batch) >= 2000:
            c, p = _reresolve(batch)
            changed, pairs, batch = changed + c, pairs + p, []
    if batch:
        c, p = _reresolve(batch)
        changed, pairs = changed + c, pairs + p
    if changed:
        audit_record(
            actor=actor,
            action="author.resolve",
            object_type="activity.esnauthor",
            changes={"authors_changed": changed, "rollup_pairs": pairs},
        )
    return changed


@transaction.atomic
def rollups_rebuild_for_people(*, actor: Actor, person_ids: list[int]) -> int:
    """Rebuild the rollups these people contribute to (e.g. their staff flag changed)."""
    pairs = rollups.rebuild(rollups.pairs_of_contributors(person_ids))
    if pairs:
        audit_record(
            actor=actor,
            action="activity.rollups",
            object_type="activity.space",
            changes={"people": len(person_ids), "rollup_pairs": pairs},
        )
    return pairs


@transaction.atomic
def rollups_rebuild_all(*, actor: Actor, recompute_days: bool = False) -> int:
    """Rebuild every message rollup; with recompute_days, first recompute each message's
    local day (after TIME_ZONE changed)."""
    if recompute_days:
        _recompute_days()
    pairs = rollups.rebuild_all()
    audit_record(
        actor=actor,
        action="activity.rollups",
        object_type="activity.space",
        changes={"rollup_pairs": pairs, "recompute_days": recompute_days},
    )
    return pairs


def _recompute_days() -> None:
    import zoneinfo

    from trellis.activity.models import Message

    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    batch: list[Message] = []
    for message in Message.objects.only("pk", "created_at", "day").iterator(chunk_size=5000):
        day = message.created_at.astimezone(zone).date()
        if day != message.day:
            message.day = day
            batch.append(message)
            if len(batch) >= 5000:
                Message.objects.bulk_update(batch, ["day"])
                batch = []
    if batch:
        Message.objects.bulk_update(batch, ["day"])
