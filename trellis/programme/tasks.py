"""Background work of programme support (arguments are plain JSON values)."""

from __future__ import annotations

from django_tasks import task

from trellis.programme import services


@task()
def letters_daily(base_url: str = "") -> dict[str, int]:
    """The daily pass over engagement letters; `trellis letters-daily` runs the same."""
    report = services.letters_daily(base_url=base_url)
    return {"expired": report.expired, "reminded": report.reminded}
