from django.urls import path

from trellis.events import views

urlpatterns = [
    path("events/", views.events_calendar, name="events_calendar"),
    path("events.ics", views.events_ics, name="events_ics"),
    path("communities/<slug:slug>/events/", views.community_events, name="community_events"),
    path(
        "communities/<slug:slug>/events.ics",
        views.community_events_ics,
        name="community_events_ics",
    ),
    path("communities/<slug:slug>/events/new/", views.event_create, name="event_create"),
    path("communities/<slug:slug>/events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path(
        "communities/<slug:slug>/events/<int:pk>/cancel/",
        views.event_cancel,
        name="event_cancel",
    ),
]
