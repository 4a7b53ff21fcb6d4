"""iCalendar feeds (RFC 5545), written by hand: a feed needs a few properties, not a library.

What RFC 5545 requires and is easy to get wrong:
- lines end with CRLF (3.1);
- a content line longer than 75 octets is folded: CRLF then one space, and the split never
  falls inside a UTF-8 character (3.1);
- TEXT values escape backslash, semicolon and comma, and write newlines as `\\n` (3.3.11);
- every VEVENT has a UID and a DTSTAMP (3.6.1); times here are UTC ("…Z", 3.3.5).

Calendar applications cannot log in, so a feed URL carries a per-user token:
`<user id>.<HMAC-SHA256 of the user id keyed with SECRET_KEY>` (see `feed_token`). The
token reveals nothing and cannot be forged; it stops working when the user is deactivated,
and every token changes when SECRET_KEY is rotated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.crypto import constant_time_compare, salted_hmac

from trellis.activity.models import Event

LINE_LIMIT = 75  # octets, excluding the CRLF
TOKEN_SALT = "trellis.events.ical-feed"  # noqa: S105 (an HMAC salt, not a secret)
TOKEN_LENGTH = 32
DEFAULT_DURATION = dt.timedelta(hours=1)

STATUS = {
    Event.Status.PLANNED: "CONFIRMED",
    Event.Status.HELD: "CONFIRMED",
    Event.Status.CANCELLED: "CANCELLED",
}


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= LINE_LIMIT:
        return line
    parts: list[bytes] = []
    start = 0
    limit = LINE_LIMIT
    while start < len(data):
        end = min(start + limit, len(data))
        # Step back over UTF-8 continuation bytes (10xxxxxx) so a character stays whole.
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end])
        start = end
        limit = LINE_LIMIT - 1  # continuation lines start with one space
    return "\r\n ".join(part.decode("utf-8") for part in parts)


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: Event, *, host: str, url: str, now: dt.datetime) -> list[str]:
    end = event.end if event.end and event.end > event.start else event.start + DEFAULT_DURATION
    description = event.description
    if event.recording_url:
        description = f"{description}\n\n{event.recording_url}".strip()
    lines = [
        "BEGIN:VEVENT",
        f"UID:trellis-event-{event.pk}@{host}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(event.start)}",
        f"DTEND:{utc_stamp(end)}",
        f"SUMMARY:{escape_text(event.title)}",
        f"STATUS:{STATUS.get(Event.Status(event.status), 'CONFIRMED')}",
        f"CATEGORIES:{escape_text(event.get_type_display())}",
        f"LAST-MODIFIED:{utc_stamp(event.updated_at)}",
        f"URL:{url}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(
    events: Iterable[Event],
    *,
    name: str,
    host: str,
    url_for: dict[int, str],
    now: dt.datetime | None = None,
) -> bytes:
    """A VCALENDAR of the events; `url_for` maps a community id to its events page URL."""
    now = now or dt.datetime.now(dt.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Trellis//Community events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, host=host, url=url_for.get(event.community_id, ""), now=now)
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")


# --- Feed tokens -----------------------------------------------------------------------------


def _mac(user_id: int) -> str:
    return salted_hmac(TOKEN_SALT, str(user_id), algorithm="sha256").hexdigest()[:TOKEN_LENGTH]


def feed_token(user: AbstractBaseUser) -> str:
    """The user's secret feed token: their id and an HMAC of it keyed with SECRET_KEY."""
    return f"{user.pk}.{_mac(int(user.pk))}"


def user_for_token(token: str) -> AbstractBaseUser | None:
    """The active user a token belongs to, or None when it is malformed or forged."""
    user_id, _sep, mac = token.partition(".")
    if not user_id.isdigit() or len(user_id) > 18 or not mac:
        return None
    if not constant_time_compare(mac, _mac(int(user_id))):
        return None
    user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    return user
