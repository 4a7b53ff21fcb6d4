"""Reads for the activity pages: import jobs, ESN spaces with mapping suggestions, authors."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet

from trellis.activity.models import EsnAuthor, ImportJob, Space
from trellis.activity.services import import_job_is_stale, progress_file
from trellis.communities.models import Community

# A name at least this similar to a community's name or slug is suggested.
SUGGESTION_CUTOFF = 0.6


def import_jobs() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")


@dataclass
class JobView:
    job: ImportJob
    progress: int
    total: int | None
    stale: bool

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.progress / self.total))

    @property
    def running(self) -> bool:
        return self.job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)

    @property
    def can_retry(self) -> bool:
        return self.job.status == ImportJob.Status.FAILED or self.stale


def job_view(job: ImportJob) -> JobView:
    """The job with its live progress (from the progress file on SQLite, see services)."""
    progress, total = job.progress, job.total
    if job.status == ImportJob.Status.RUNNING and connection.vendor == "sqlite":
        try:
            live = json.loads(progress_file(job.pk).read_text())
            progress, total = int(live["progress"]), live.get("total")
            at = dt.datetime.fromisoformat(live["at"])
            if job.heartbeat_at is None or at > job.heartbeat_at:
                job.heartbeat_at = at
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return JobView(job=job, progress=progress, total=total, stale=import_job_is_stale(job))


@dataclass(frozen=True)
class SpaceFilters:
    q: str = ""
    source: str = ""
    mapping: str = ""  # "" all (unmapped first), "unmapped", "mapped"


def spaces(filters: SpaceFilters) -> QuerySet[Space]:
    """Unmapped spaces first, then by community; the busiest first within each."""
    qs = Space.objects.select_related("community")
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.mapping == "unmapped":
        qs = qs.filter(community__isnull=True)
    elif filters.mapping == "mapped":
        qs = qs.filter(community__isnull=False)
    for word in filters.q.split()[:5]:
        qs = qs.filter(Q(name__icontains=word) | Q(external_id__icontains=word))
    return qs.order_by(F("community").asc(nulls_first=True), "-volume", "name", "pk")


def unmapped_summary() -> dict[str, int]:
    unmapped = Space.objects.filter(community__isnull=True)
    return {
        "spaces": unmapped.count(),
        "messages": sum(unmapped.values_list("volume", flat=True)),
    }


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@dataclass(frozen=True)
class Suggestion:
    community: Community
    reason: str  # "name" or "link"
    score: float


def suggestions(page_spaces: list[Space]) -> dict[int, Suggestion]:
    """A community for each unmapped space of the page: one that mentions the space's
    link in its description, else the most similar name or slug (difflib)."""
    unmapped = [s for s in page_spaces if s.community_id is None]
    if not unmapped:
        return {}
    found: dict[int, Suggestion] = {}
    urls = [s.url for s in unmapped if s.url]
    if urls:
        query = Q()
        for url in urls:
            query |= Q(description__icontains=url) | Q(purpose__icontains=url)
        for community in Community.objects.filter(query).order_by("pk"):
            for space in unmapped:
                text = f"{community.description} {community.purpose}"
                if space.url and space.url in text and space.pk not in found:
                    found[space.pk] = Suggestion(community, "link", 1.0)
    candidates: dict[str, Community] = {}
    by_word: dict[str, set[str]] = {}
    for community in Community.objects.only("pk", "name", "slug").order_by("pk"):
        for key in (_normal(community.name), _normal(community.slug.replace("-", " "))):
            if key:
                candidates.setdefault(key, community)
                for word in key.split():
                    by_word.setdefault(word, set()).add(key)
    for space in unmapped:
        if space.pk in found:
            continue
        name = _normal(space.name or space.external_id)
        if not name:
            continue
        if name in candidates:
            found[space.pk] = Suggestion(candidates[name], "name", 1.0)
            continue
        # Only names sharing a word are compared: thousands of communities stay cheap.
        keys = sorted(set().union(*(by_word.get(w, set()) for w in name.split() if len(w) > 2)))
        best = difflib.get_close_matches(name, keys, n=1, cutoff=SUGGESTION_CUTOFF)
        if best:
            score = difflib.SequenceMatcher(None, name, best[0]).ratio()
            found[space.pk] = Suggestion(candidates[best[0]], "name", score)
    return found


def authors(*, unresolved: bool = True, q: str = "", source: str = "") -> QuerySet[EsnAuthor]:
    qs = EsnAuthor.objects.select_related("person")
    if unresolved:
        qs = qs.filter(person__isnull=True)
    if source:
        qs = qs.filter(source=source)
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(name__icontains=word) | Q(email__icontains=word) | Q(external_id__icontains=word)
        )
    return qs.order_by("source", "name", "external_id", "pk")


def author_activity(page_authors: list[EsnAuthor]) -> dict[int, int]:
    """Months × spaces in which each author contributed (from the rollups)."""
    from django.db.models import Count

    from trellis.activity.models import SpaceMonthContributor

    keys = {a.contributor_key: a.pk for a in page_authors}
    rows = (
        SpaceMonthContributor.objects.filter(contributor__in=list(keys))
        .values("contributor")
        .annotate(n=Count("pk"))
        .values_list("contributor", "n")
    )
    return {keys[contributor]: n for contributor, n in rows}


def job_errors_rows(job: ImportJob) -> list[dict[str, Any]]:
    return [
        {"file": e.get("file", ""), "line": e.get("line") or "", "reason": e.get("reason", "")}
        for e in job.errors
    ]
