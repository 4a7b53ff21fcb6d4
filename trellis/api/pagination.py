"""limit/offset pagination with a maximum page size (a bigger `limit` is a 422)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Offsets beyond this are refused: no real list is that long, and databases overflow.
MAX_OFFSET = 10_000_000

M = TypeVar("M", bound=Model)


class PageParams(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"page size, 1 to {MAX_LIMIT}"
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")


def page_of(qs: QuerySet[M], page: PageParams) -> tuple[int, list[M]]:
    """The total count and the items of the page: two queries (plus the queryset's prefetches)."""
    count = qs.count()
    items = list(qs[page.offset : page.offset + page.limit]) if page.offset < count else []
    return count, items


def envelope(count: int, page: PageParams, results: list[Any]) -> dict[str, Any]:
    return {"count": count, "limit": page.limit, "offset": page.offset, "results": results}
