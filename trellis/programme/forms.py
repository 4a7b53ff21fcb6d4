from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community, Membership
from trellis.people.models import Person
from trellis.programme.models import EngagementLetter, Escalation, ResourceRequest
from trellis.programme.selectors import LETTER_ROLES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _person_by_email(value: str) -> Person | None:
    return Person.objects.filter(email__iexact=value.strip()).first() if value.strip() else None


class LetterForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        help_text=_("Leaders, co-leaders and core-team members of a community."),
    )
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    manager_email = forms.EmailField(
        label=_("Manager's e-mail"),
        required=False,
        help_text=_("Leave empty to use the person's manager from the directory."),
    )
    time_unit = forms.ChoiceField(
        label=_("Time granted in"), choices=EngagementLetter.TimeUnit.choices
    )
    time_amount = forms.DecimalField(
        label=_("Time granted"), min_value=0.01, max_digits=6, decimal_places=2
    )
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE)
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, letter: EngagementLetter | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.letter = letter
        holders = Membership.objects.filter(left__isnull=True, role__in=LETTER_ROLES)
        self.fields["person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            pk__in=holders.values("person")
        )
        self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
            pk__in=holders.values("community")
        )
        if letter is not None:
            # Person and community are fixed once the draft exists.
            del self.fields["person"]
            del self.fields["community"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person = data.get("person") or (self.letter.person if self.letter else None)
        email = data.get("manager_email", "")
        if email:
            manager = _person_by_email(email)
            if manager is None:
                self.add_error("manager_email", _("No one in the directory has this e-mail."))
            data["manager"] = manager
        elif person is not None:
            if person.manager is None:
                self.add_error(
                    "manager_email",
                    _("%(person)s has no manager in the directory: give the manager's e-mail.")
                    % {"person": person.name},
                )
            data["manager"] = person.manager
        return data


class SignForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("sign", _("I sign this letter")), ("decline", _("I decline this letter"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (when you decline)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", _("Please say why you decline the letter."))
        return data


class LetterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *EngagementLetter.Status.choices, ("ending", _("Ending soon"))],
    )
    community = forms.ModelChoiceField(
        label=_("Community"), required=False, queryset=Community.objects.all(), to_field_name="slug"
    )


# --- Escalations ------------------------------------------------------------------------------


class EscalationForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    kind = forms.ChoiceField(label=_("Kind of problem"), choices=Escalation.Kind.choices)
    description = forms.CharField(
        label=_("What is happening"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Only you, the programme office and the mediator the office assigns will read this."
        ),
    )

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class EscalationHandleForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Escalation.Status.choices)
    resolution = forms.CharField(
        label=_("Resolution note"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class EscalationManageForm(EscalationHandleForm):
    mediator_email = forms.EmailField(
        label=_("Mediator's e-mail"),
        required=False,
        help_text=_("A person of the directory; they will see this escalation."),
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    field_order = ["mediator_email", "due_on", "status", "resolution"]

    def clean_mediator_email(self) -> Person | None:
        email = self.cleaned_data.get("mediator_email", "")
        if not email:
            return None
        person = _person_by_email(email)
        if person is None:
            raise forms.ValidationError(_("No one in the directory has this e-mail."))
        return person


# --- Resources --------------------------------------------------------------------------------


class ResourceForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceRequest.Kind.choices)
    title = forms.CharField(label=_("What is requested"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("In the programme currency; in hours for time."),
    )
    justification = forms.CharField(
        label=_("Why it is needed"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class ResourceDecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=ResourceRequest.Status.choices)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    decision_note = forms.CharField(
        label=_("Decision notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
