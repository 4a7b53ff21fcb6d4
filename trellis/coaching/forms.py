from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.coaching.models import Competency, Level, Training
from trellis.incubation.forms import person_by_email
from trellis.people.models import Person


def _required_person(value: str) -> Person:
    person = person_by_email(value)
    if person is None:
        raise forms.ValidationError(_("This field is required."))
    return person


class SessionForm(forms.Form):
    leader = forms.EmailField(label=_("E-mail of the leader"))
    coach = forms.EmailField(label=_("E-mail of the coach"))
    on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    topics = forms.CharField(label=_("Topics"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(
        label=_("Follow-up actions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who does what, by when."),
    )

    def clean_leader(self) -> Person:
        return _required_person(self.cleaned_data["leader"])

    def clean_coach(self) -> Person:
        return _required_person(self.cleaned_data["coach"])


class TrainingForm(forms.ModelForm):
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Training
        fields = ["title", "description", "hours", "url", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CompletionForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail of the person"),
        required=False,
        help_text=_("Leave empty to record your own completion."),
    )
    on = forms.DateField(
        label=_("Completed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )

    def clean_email(self) -> Person | None:
        return person_by_email(self.cleaned_data["email"])


class AssessmentForm(forms.Form):
    on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you want to work on next."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Competency.choices:
            self.fields[f"c_{value}"] = forms.TypedChoiceField(
                label=label,
                choices=Level.choices,
                coerce=int,
                widget=forms.RadioSelect,
            )

    def scores(self) -> dict[str, int]:
        return {c: self.cleaned_data[f"c_{c}"] for c in Competency.values}
