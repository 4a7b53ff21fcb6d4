from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community, Stage
from trellis.incubation.models import ContentKind, Effort, Gate, Tool
from trellis.incubation.toolchoice import Needs
from trellis.people.models import BusinessUnit, Person


def person_by_email(value: str) -> Person | None:
    email = value.strip()
    if not email:
        return None
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        raise forms.ValidationError(_("Nobody with this e-mail is in the directory."))
    if not person.is_active:
        raise forms.ValidationError(_("This person has left the company."))
    return person


class ProposalForm(forms.Form):
    name = forms.CharField(label=_("Proposed name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=100,
        help_text=_("Lower-case letters, digits and hyphens, for example cloud-security."),
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=500, help_text=_("The domain, in one sentence.")
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separated by commas.")
    )
    audience = forms.CharField(
        label=_("Audience"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who would join, and roughly how many."),
    )
    expected_value = forms.CharField(
        label=_("Expected value"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the members and the company would gain."),
    )
    candidate_leader = forms.EmailField(
        label=_("E-mail of the candidate leader"),
        required=False,
        help_text=_("Leave empty if you would lead it yourself."),
    )
    candidate_sponsor = forms.EmailField(label=_("E-mail of the candidate sponsor"), required=False)
    business_units = forms.ModelMultipleChoiceField(
        label=_("Business units"),
        required=False,
        queryset=BusinessUnit.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # While the proposer types, htmx asks for the similar existing communities.
        for name in ("name", "slug", "purpose", "tags"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("proposal_similar"),
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#similar",
                    "hx-include": "#id_name, #id_slug, #id_purpose, #id_tags",
                }
            )

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        if Community.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("A community already uses this short name: look at it before proposing.")
            )
        return slug

    def clean_candidate_leader(self) -> Person | None:
        return person_by_email(self.cleaned_data["candidate_leader"])

    def clean_candidate_sponsor(self) -> Person | None:
        return person_by_email(self.cleaned_data["candidate_sponsor"])


class ReviewForm(forms.Form):
    DECISIONS = [
        ("accept", _("Accept: start the incubation")),
        ("reject", _("Reject")),
        ("merge", _("Merge into an existing community")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    target = forms.SlugField(
        label=_("Short name of the community to merge into"),
        required=False,
        help_text=_("Only for a merge."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The proposer reads it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "merge":
            slug = data.get("target") or ""
            community = Community.objects.filter(slug=slug).exclude(stage=Stage.CLOSED).first()
            if community is None:
                self.add_error("target", _("Choose an open community by its short name."))
            data["target_community"] = community
        return data


class GateForm(forms.Form):
    gate = forms.ChoiceField(label=_("Stage gate"), choices=Gate.choices)
    on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    undo = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ArchiveForm(forms.Form):
    ACTIONS = [
        ("close", _("Close the community")),
        ("merge", _("Merge it into another community")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    target = forms.SlugField(
        label=_("Short name of the community to merge into"),
        required=False,
        help_text=_("Only for a merge. Its members join that community as members."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "merge":
            community = (
                Community.objects.filter(slug=data.get("target") or "")
                .exclude(stage=Stage.CLOSED)
                .first()
            )
            if community is None:
                self.add_error("target", _("Choose an open community by its short name."))
            data["target_community"] = community
        return data


class ToolForm(forms.ModelForm):
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    content_kinds = forms.MultipleChoiceField(
        label=_("Content kinds it handles"),
        required=False,
        choices=ContentKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Tool
        fields = [
            "name",
            "description",
            "url",
            "max_audience",
            "confidential",
            "external_members",
            "synchronous",
            "asynchronous",
            "content_kinds",
            "mobile",
            "esn_fit",
            "governance_effort",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


YES_NO = [("no", _("No")), ("yes", _("Yes"))]


class ToolChecklistForm(forms.Form):
    """The guided checklist: what the community needs from its tool."""

    audience = forms.IntegerField(
        label=_("How many members do you expect within two years?"),
        min_value=1,
        max_value=10_000_000,
    )
    confidential = forms.TypedChoiceField(
        label=_("Will members share confidential content?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    external_members = forms.TypedChoiceField(
        label=_("Will people outside the company take part?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label=_("How will members exchange?"),
        choices=[
            ("async", _("At their own pace (posts, threads)")),
            ("sync", _("Live (chat, calls)")),
            ("both", _("Both")),
        ],
        widget=forms.RadioSelect,
    )
    content_kinds = forms.MultipleChoiceField(
        label=_("What will members share?"),
        required=False,
        choices=ContentKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    mobile = forms.TypedChoiceField(
        label=_("Will members mostly use a phone (plants, field work, travel)?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    esn_fit = forms.TypedChoiceField(
        label=_("Should the community live in or near the company's ESN?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    governance_capacity = forms.TypedChoiceField(
        label=_("How much administration can the leader and core team take on?"),
        choices=Effort.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )

    def needs(self) -> Needs:
        data = self.cleaned_data
        return Needs(
            audience=data["audience"],
            confidential=data["confidential"],
            external_members=data["external_members"],
            synchronous=data["mode"] in ("sync", "both"),
            asynchronous=data["mode"] in ("async", "both"),
            content_kinds=tuple(data["content_kinds"]),
            mobile=data["mobile"],
            esn_fit=data["esn_fit"],
            governance_capacity=data["governance_capacity"],
        )
