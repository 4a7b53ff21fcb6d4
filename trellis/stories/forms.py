from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trellis.communities.models import Community
from trellis.core.models import ProgrammeSettings
from trellis.people.forms import people_from_emails
from trellis.people.models import Person
from trellis.stories.attachments import max_bytes
from trellis.stories.models import CYCLE_HELP, Benefit, Cycle, Story

MAX_CONTRIBUTORS = 50
TEXTAREA = {"rows": 5}


class StoryForm(forms.Form):
    """The guided form: the story told through the cycles of value creation."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Story._meta.get_field("summary").help_text,
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities"),
        queryset=Community.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The communities whose work the story tells (yours)."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        help_text=_("The year the value was created."),
    )
    context = forms.CharField(
        label=_("Context and problem"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=Story._meta.get_field("context").help_text,
    )
    community_action = forms.CharField(
        label=_("What the community did"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "Immediate and potential value: discussions, events, documents, help between members."
        ),
    )
    practice_change = forms.CharField(
        label=_("What changed in practice"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Applied value: who works differently now, and how?"),
    )
    result = forms.CharField(
        label=_("The result"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Realized value: what improved for the organisation? Add figures below."),
    )
    reframing = forms.CharField(
        label=_("What was rethought"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Reframing value (optional): did it change how success is defined?"),
    )
    beneficiaries = forms.CharField(
        label=_("Beneficiaries"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=Story._meta.get_field("beneficiaries").help_text,
    )
    cycles = forms.MultipleChoiceField(
        label=_("Value cycles the story reaches"),
        required=False,
        choices=[(c, f"{label} — {CYCLE_HELP[Cycle(c)]}") for c, label in Cycle.choices],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Needed before you submit the story."),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Story._meta.get_field("evidence_links").help_text,
    )
    contributors = forms.CharField(
        label=_("Contributors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E-mail addresses of the people who made it happen, one per line."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas."),
    )

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities  # type: ignore[attr-defined]
        self.people: list[Person] = []

    def clean_contributors(self) -> str:
        text: str = self.cleaned_data["contributors"]
        self.people = people_from_emails(
            text, limit=MAX_CONTRIBUTORS, too_many=_("List at most %(max)d people.")
        )
        return text

    def story_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = [
            "title",
            "summary",
            "context",
            "community_action",
            "practice_change",
            "result",
            "reframing",
            "beneficiaries",
            "evidence_links",
            "year",
        ]
        fields = {name: data[name] for name in names}
        fields["evidence_links"] = "\n".join(
            line.strip() for line in data["evidence_links"].splitlines() if line.strip()
        )
        fields["cycles"] = "|".join(c for c in Cycle.values if c in data["cycles"])
        return fields

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    @staticmethod
    def initial_for(story: Story) -> dict[str, Any]:
        return {
            "title": story.title,
            "summary": story.summary,
            "communities": list(story.communities.all()),
            "year": story.year,
            "context": story.context,
            "community_action": story.community_action,
            "practice_change": story.practice_change,
            "result": story.result,
            "reframing": story.reframing,
            "beneficiaries": story.beneficiaries,
            "cycles": story.cycle_list,
            "evidence_links": story.evidence_links,
            "contributors": "\n".join(p.email for p in story.contributors.all()),
            "tags": ", ".join(t.name for t in story.tags.all()),
        }

    @staticmethod
    def initial_new() -> dict[str, Any]:
        return {"year": timezone.localdate().year}


class BenefitForm(forms.Form):
    OTHER = "other"

    kind = forms.ChoiceField(label=_("Kind of benefit"), choices=Benefit.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
    unit = forms.ChoiceField(label=_("Unit or currency"))
    unit_other = forms.CharField(
        label=_("Other unit"),
        required=False,
        max_length=20,
        help_text=_("When the unit is another one: for example %, points, incidents."),
    )
    period = forms.ChoiceField(label=_("Period"), choices=Benefit.Period.choices)
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Benefit.Confidence.choices)
    method = forms.CharField(
        label=_("How it was estimated"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The calculation, its sources and assumptions."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = ProgrammeSettings.load().currency.upper()
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            (Benefit.HOURS, _("Hours")),
            (currency, currency),
            (self.OTHER, _("Another unit")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unit") == self.OTHER:
            other = (data.get("unit_other") or "").strip()
            if not other:
                self.add_error("unit_other", _("Say which unit."))
            data["unit"] = other
        return data

    def benefit_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("kind", "amount", "unit", "period", "confidence", "method")
        }


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the story go back to its author?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,  # the service says "empty" in its own words
        help_text=_("PDF, PNG, JPEG, DOCX, XLSX, PPTX or TXT."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.template.defaultfilters import filesizeformat

        self.fields["file"].help_text = _(
            "PDF, PNG, JPEG, DOCX, XLSX, PPTX or TXT, up to %(limit)s."
        ) % {"limit": filesizeformat(max_bytes())}


class StoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    community = forms.ModelChoiceField(
        label=_("Community"),
        required=False,
        queryset=Community.objects.order_by("name"),
        to_field_name="slug",
        empty_label=pgettext_lazy("filter choice for a feminine noun", "All"),
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    cycle = forms.ChoiceField(
        label=_("Value cycle"), required=False, choices=[("", _("All")), *Cycle.choices]
    )
    kind = forms.ChoiceField(
        label=_("Benefit"), required=False, choices=[("", _("All")), *Benefit.Kind.choices]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = pgettext_lazy("filter choice for a feminine noun", "All")
        self.fields["year"].choices = [("", everything), *[(y, str(y)) for y in years]]  # type: ignore[attr-defined]
