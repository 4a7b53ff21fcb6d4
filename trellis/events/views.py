from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.activity.models import Event
from trellis.communities.models import Community
from trellis.communities.views import _community_context as community_header_context
from trellis.core.access import community_for_user
from trellis.core.models import ProgrammeSettings
from trellis.events import ical, selectors, services
from trellis.events.forms import CalendarFilterForm, EventForm

PAGE_SIZE = 25


def _feed_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    """The absolute URL of a feed with the user's token, for calendar applications."""
    assert isinstance(request.user, AbstractBaseUser)
    path = reverse(name, kwargs=kwargs)
    query = urlencode({"token": ical.feed_token(request.user)})
    return request.build_absolute_uri(f"{path}?{query}")


@login_required
def community_events(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    now = timezone.now()
    context = community_header_context(request, community, "events")
    page = Paginator(selectors.past_events(community, now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context.update(
        {
            "upcoming": list(selectors.upcoming_events(community, now)),
            "page": page,
            "querystring": "",
            "feed_url": _feed_url(request, "community_events_ics", slug=community.slug),
        }
    )
    return render(request, "events/community_events.html", context)


def _event(community: Community, pk: int) -> Event:
    event = community.events.filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def _initial(event: Event) -> dict[str, Any]:
    return {
        "title": event.title,
        "type": event.type,
        "start": timezone.localtime(event.start),
        "end": timezone.localtime(event.end) if event.end else None,
        "status": event.status,
        "description": event.description,
        "attendee_count": event.attendee_count,
        "attendee_emails": "\n".join(
            event.attendees.order_by("email").values_list("email", flat=True)
        ),
        "recording_url": event.recording_url,
    }


@login_required
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    form = EventForm(request.POST or None, initial={"status": Event.Status.PLANNED})
    if request.method == "POST" and form.is_valid():
        try:
            services.event_create(
                actor=request.user,
                community=community,
                attendees=form.attendees,
                **form.event_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Event added."))
            return redirect("community_events", slug=community.slug)
    context = community_header_context(request, community, "events")
    context["form"] = form
    return render(request, "events/event_form.html", context)


@login_required
def event_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    event = _event(community, pk)
    form = EventForm(request.POST or None, initial=_initial(event))
    if event.status == Event.Status.CANCELLED:
        # A cancelled event may be reinstated by choosing another status.
        form.fields["status"].choices = Event.Status.choices  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                actor=request.user, event=event, attendees=form.attendees, **form.event_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Event saved."))
            return redirect("community_events", slug=community.slug)
    context = community_header_context(request, community, "events")
    context.update({"form": form, "event": event})
    return render(request, "events/event_form.html", context)


@login_required
@require_POST
def event_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    event = _event(community, pk)
    services.event_cancel(actor=request.user, event=event)
    messages.success(request, _("Event cancelled."))
    return redirect("community_events", slug=community.slug)


@login_required
def events_calendar(request: HttpRequest) -> HttpResponse:
    form = CalendarFilterForm(request.GET or None)
    filters = selectors.CalendarFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CalendarFilters(
            type=data["type"] or "",
            community=data["community"] or "",
            business_unit=data["business_unit"].pk if data["business_unit"] else None,
            tag=data["tag"] or "",
        )
    page = Paginator(selectors.programme_calendar(filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    params = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "events/calendar.html",
        {
            "form": form,
            "page": page,
            "querystring": urlencode(params) + "&" if params else "",
            "filtered": bool(params),
            "feed_url": _feed_url(request, "events_ics"),
            "nav": "events",
        },
    )


# --- iCal feeds ----------------------------------------------------------------------------


def _feed_reader(request: HttpRequest) -> None:
    """A feed is read by a logged-in user, or by a calendar application with a valid token.

    Anonymous requests without a valid token get 403 (not a login redirect: calendar
    applications cannot follow one).
    """
    if request.user.is_authenticated:
        return
    token = request.GET.get("token", "")
    if not token or ical.user_for_token(token) is None:
        raise PermissionDenied


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def community_events_ics(request: HttpRequest, slug: str) -> HttpResponse:
    _feed_reader(request)
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    url = request.build_absolute_uri(reverse("community_events", args=[community.slug]))
    body = ical.calendar(
        selectors.feed_events(community),
        name=community.name,
        host=request.get_host(),
        url_for={community.pk: url},
    )
    return _ics_response(body, f"{community.slug}.ics")


def events_ics(request: HttpRequest) -> HttpResponse:
    _feed_reader(request)
    events = list(selectors.feed_events())
    urls = {
        e.community_id: request.build_absolute_uri(
            reverse("community_events", args=[e.community.slug])
        )
        for e in events
    }
    body = ical.calendar(
        events,
        name=_("%(programme)s events") % {"programme": ProgrammeSettings.load().name},
        host=request.get_host(),
        url_for=urls,
    )
    return _ics_response(body, "events.ics")
