"""ESN daily activity pushed by connectors (the `import` scope, programme office)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict

from trellis.api import activity_push
from trellis.api.auth import IMPORT
from trellis.api.errors import ERRORS, ApiError
from trellis.api.types import Day
from trellis.core.access import require_programme_office

router = Router(tags=["activity"])

SpaceId = Annotated[str, Path(min_length=1, max_length=200, description="the space's id")]
PushDay = Annotated[Day, Path(description="the day in the programme's time zone, YYYY-MM-DD")]

COUNT = 10_000_000


class DayIn(Schema):
    model_config = ConfigDict(extra="forbid")

    posts: int = Field(..., ge=0, le=COUNT)
    replies: int = Field(..., ge=0, le=COUNT)
    reactions: int = Field(0, ge=0, le=COUNT)
    active_authors: int | None = Field(None, ge=0, le=COUNT)


class DayOut(Schema):
    space_id: str
    date: str
    result: str = Field(..., description="new, updated or unchanged")
    posts: int
    replies: int
    reactions: int
    active_authors: int | None


@router.post(
    "/activity/spaces/{space_id}/days/{date}",
    response={200: DayOut, **ERRORS},
    auth=IMPORT,
    url_name="api_activity_day",
    summary="Push one space's activity for one day (idempotent)",
    description=(
        "The figures of one day for one space of the Trellis activity CSV series. Pushing "
        "the same figures again changes nothing; new figures replace the day's. The space "
        "must be known (imported once, or declared in spaces.csv): otherwise 404 "
        "`unknown_space`."
    ),
)
def activity_day(
    request: HttpRequest,
    payload: DayIn,
    space_id: SpaceId,
    date: PushDay,
) -> Any:
    require_programme_office(request.user)
    figures = activity_push.DayFigures(
        posts=payload.posts,
        replies=payload.replies,
        reactions=payload.reactions,
        active_authors=payload.active_authors,
    )
    try:
        result = activity_push.activity_day_push(
            actor=request.user, space_id=space_id, day=date, figures=figures
        )
    except activity_push.UnknownSpace:
        raise ApiError(
            404,
            "unknown_space",
            _(
                "No space “%(space)s” of the activity CSV is known: import it once or declare it in spaces.csv."  # noqa: E501
            )
            % {"space": space_id},
        ) from None
    except activity_push.PushRejected as exc:
        raise ApiError(422, "rejected", _("The figures were refused."), exc.reasons) from None
    return {
        "space_id": space_id,
        "date": date.isoformat(),
        "result": result,
        "posts": figures.posts,
        "replies": figures.replies,
        "reactions": figures.reactions,
        "active_authors": figures.active_authors,
    }
