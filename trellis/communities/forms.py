from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import CharterVersion, Objective, Role, Stage
from trellis.people.models import BusinessUnit, Person

SORT_CHOICES = [
    ("name", _("Name")),
    ("-members", _("Most members")),
    ("-launched", _("Most recently launched")),
]


def split_list(value: str) -> list[str]:
    """A list typed as "a, b" or "a|b"."""
    return [item.strip() for item in value.replace("|", ",").split(",") if item.strip()]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=200, widget=forms.SearchInput
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    business_unit = forms.ModelChoiceField(
        label=_("Business unit"),
        required=False,
        queryset=BusinessUnit.objects.all(),
        empty_label=_("All business units"),
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *settings.LANGUAGES]
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": _("Name, purpose or tag")})


class CommunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=100,
        help_text=_("Lower-case letters, digits and hyphens, for example cloud-security."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        required=False,
        help_text=_("The domain, in one sentence."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=1000
    )
    business_units = forms.ModelMultipleChoiceField(
        label=_("Business units"),
        required=False,
        queryset=BusinessUnit.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        required=False,
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, slug_taken: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slug_taken = slug_taken

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        if self.slug_taken is not None and self.slug_taken(slug):
            raise forms.ValidationError(_("Another community already uses this short name."))
        return slug


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("New stage"), choices=Stage.choices)
    on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CharterForm(forms.ModelForm):
    class Meta:
        model = CharterVersion
        fields = ["year", *CharterVersion.TEXT_FIELDS]
        widgets = {f: forms.Textarea(attrs={"rows": 4}) for f in CharterVersion.TEXT_FIELDS}

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        now = timezone.localdate().year
        if not (now - 5 <= year <= now + 1):
            raise forms.ValidationError(
                _("Choose a year between %(first)s and %(last)s.")
                % {"first": now - 5, "last": now + 1}
            )
        return year


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["year", "title", "indicator", "target", "result", "status"]

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        now = timezone.localdate().year
        if not (now - 5 <= year <= now + 1):
            raise forms.ValidationError(
                _("Choose a year between %(first)s and %(last)s.")
                % {"first": now - 5, "last": now + 1}
            )
        return year


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def clean_email(self) -> Person:
        email = self.cleaned_data["email"].strip()
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(_("Nobody with this e-mail is in the directory."))
        if not person.is_active:
            raise forms.ValidationError(_("This person has left the company."))
        return person


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
