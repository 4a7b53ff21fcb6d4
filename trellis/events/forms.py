from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.activity.models import Event
from trellis.people.forms import people_from_emails
from trellis.people.models import BusinessUnit, Person

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_LISTED = 5000


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    type = forms.ChoiceField(label=_("Type"), choices=Event.Type.choices)
    start = forms.DateTimeField(label=_("Start"), widget=DATETIME_INPUT)
    end = forms.DateTimeField(label=_("End"), widget=DATETIME_INPUT, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(v, label) for v, label in Event.Status.choices if v != Event.Status.CANCELLED],
        help_text=_("Mark the event as held once it took place; cancel it with its own button."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attendee_count = forms.IntegerField(
        label=_("Number of attendees"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        help_text=_("When you know how many came but not who."),
    )
    attendee_emails = forms.CharField(
        label=_("Attendees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "E-mail addresses of the people who attended, one per line. Without a number "
            "above, the attendance is the number of people listed."
        ),
    )
    recording_url = forms.URLField(
        label=_("Recording link"), required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees: list[Person] = []

    def clean_attendee_emails(self) -> str:
        text: str = self.cleaned_data["attendee_emails"]
        self.attendees = people_from_emails(
            text,
            limit=MAX_LISTED,
            too_many=_("List at most %(max)d people; give the number instead."),
        )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        return data

    def event_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "type": data["type"],
            "start": data["start"],
            "end": data["end"],
            "status": data["status"],
            "description": data["description"],
            "attendee_count": data["attendee_count"],
            "recording_url": data["recording_url"],
        }


class CalendarFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Event.Type.choices]
    )
    community = forms.SlugField(label=_("Community (address)"), required=False, max_length=100)
    business_unit = forms.ModelChoiceField(
        label=_("Business unit"),
        required=False,
        queryset=BusinessUnit.objects.all(),
        empty_label=_("All business units"),
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)
