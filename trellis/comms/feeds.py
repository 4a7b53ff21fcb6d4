"""RSS and Atom feeds of news and published stories.

Feed readers cannot log in: a feed is served to a logged-in user or with the personal
token of the calendar feeds (?token=…, trellis.events.ical), and refused (403) otherwise.
Texts are escaped before they go in: a reader renders descriptions as HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from trellis.comms import selectors
from trellis.comms.models import NewsPost
from trellis.core.models import ProgrammeSettings
from trellis.events import ical

FEED_SIZE = 50
STORIES_WINDOW = dt.timedelta(days=730)


def feed_reader(request: HttpRequest) -> None:
    if request.user.is_authenticated:
        return
    token = request.GET.get("token", "")
    if not token or ical.user_for_token(token) is None:
        raise PermissionDenied


def _escaped(text: str, length: int = 0) -> str:
    if length:
        text = Truncator(text).chars(length)
    return linebreaks(escape(text))


class NewsRss(Feed):
    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        feed_reader(request)
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        return _("%(programme)s news") % {"programme": ProgrammeSettings.load().name}

    def description(self) -> str:
        return _("News of the programme and its communities.")

    def link(self) -> str:
        return reverse("news_list")

    def items(self) -> list[NewsPost]:
        return list(selectors.visible_news()[:FEED_SIZE])

    def item_title(self, item: NewsPost) -> str:
        if item.community is not None:
            return _("%(community)s: %(title)s") % {
                "community": item.community.name,
                "title": item.title,
            }
        return item.title

    def item_description(self, item: NewsPost) -> str:
        return _escaped(item.body)

    def item_pubdate(self, item: NewsPost) -> dt.datetime:
        return item.publish_at

    def item_updateddate(self, item: NewsPost) -> dt.datetime:
        return item.updated_at


class NewsAtom(NewsRss):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()


class StoriesRss(Feed):
    """Published success stories; 404 while the stories area does not provide them."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        feed_reader(request)
        if selectors.optional_source("trellis.stories.selectors", "published_between") is None:
            raise Http404
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        return _("%(programme)s success stories") % {"programme": ProgrammeSettings.load().name}

    def description(self) -> str:
        return _("Success stories published by the programme.")

    def link(self) -> str:
        return reverse("news_list")

    def items(self) -> list[Any]:
        today = timezone.localdate()
        stories = selectors.published_stories(today - STORIES_WINDOW, today) or []
        stories.sort(key=_published, reverse=True)
        return stories[:FEED_SIZE]

    def item_title(self, item: Any) -> str:
        return str(getattr(item, "title", item))

    def item_description(self, item: Any) -> str:
        for name in ("summary", "result", "context"):
            value = getattr(item, name, "")
            if value and not callable(value):
                return _escaped(str(value), 600)
        return ""

    def item_link(self, item: Any) -> str:
        getter = getattr(item, "get_absolute_url", None)
        return str(getter()) if callable(getter) else reverse("news_list")

    def item_pubdate(self, item: Any) -> dt.datetime | None:
        return _published(item)


def _published(item: Any) -> dt.datetime:
    value = getattr(item, "published_at", None) or getattr(item, "published_on", None)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(12), tzinfo=dt.UTC)
    return dt.datetime.min.replace(tzinfo=dt.UTC)


class StoriesAtom(StoriesRss):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()
