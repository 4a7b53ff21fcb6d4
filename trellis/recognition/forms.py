from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import Person
from trellis.recognition.eligibility import metric_choices
from trellis.recognition.models import AwardCampaign, Candidate, Category, Criterion


class CampaignForm(forms.ModelForm):
    class Meta:
        model = AwardCampaign
        fields = ["year", "name", "description", "member_vote"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class CampaignEditForm(forms.ModelForm):
    class Meta:
        model = AwardCampaign
        fields = ["name", "description", "member_vote"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "kind", "is_label", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, campaign: AwardCampaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if self.campaign.categories.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("This campaign already has a category of that name."))
        return name


class CriterionForm(forms.Form):
    figure = forms.ChoiceField(
        label=_("Figure"),
        help_text=_("Computed for the campaign's year; a person is judged on their communities."),
    )
    operator = forms.ChoiceField(label=_("Condition"), choices=Criterion.Operator.choices)
    threshold = forms.DecimalField(
        label=_("Threshold"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Rates are shares between 0 and 1. Leave empty for 'is true'."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["figure"].choices = metric_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        operator = data.get("operator")
        if operator and operator != Criterion.Operator.TRUE and data.get("threshold") is None:
            self.add_error("threshold", _("Give a threshold for this condition."))
        return data

    def source_and_metric(self) -> tuple[str, str]:
        source, metric = self.cleaned_data["figure"].split(":", 1)
        return source, metric


class NominationForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False
    )
    person_email = forms.EmailField(
        label=_("E-mail of the person"),
        required=False,
        help_text=_("Their work e-mail address, as in the people directory."),
    )
    justification = forms.CharField(
        label=_("Why do you nominate them?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_("Facts the jury can check: what they did, for whom, with what result."),
    )

    def __init__(
        self, *args: Any, category: Category, communities: QuerySet[Community], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        if category.kind == Category.Kind.COMMUNITY:
            del self.fields["person_email"]
            field = self.fields["community"]
            field.required = True
            field.queryset = communities  # type: ignore[attr-defined]
        else:
            del self.fields["community"]
            self.fields["person_email"].required = True

    def clean_person_email(self) -> Person:
        email = self.cleaned_data["person_email"].strip()
        person = Person.objects.annotate(e=Lower("email")).filter(Q(e=email.lower())).first()
        if person is None:
            raise forms.ValidationError(_("Nobody in the people directory has this e-mail."))
        return person


class VoteForm(forms.Form):
    candidate = forms.ModelChoiceField(
        label=_("Your choice"),
        queryset=Candidate.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, category: Category, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = (  # type: ignore[attr-defined]
            Candidate.objects.filter(category=category)
            .select_related("community", "person")
            .order_by("community__name", "person__name", "id")
        )


class DecisionForm(forms.Form):
    citation = forms.CharField(
        label=_("Citation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the winner's page: why the jury chose them."),
    )
