from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Stage, Tag
from trellis.people.models import BusinessUnit
from trellis.reports.selectors import DashboardFilters

RANK_CHOICES = [
    ("active_rate", _("Active rate")),
    ("messages", _("Messages")),
]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters (GET). An invalid value falls back to the whole programme."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    business_unit = forms.ModelChoiceField(
        label=_("Business unit"),
        required=False,
        queryset=BusinessUnit.objects.all(),
        empty_label=_("All business units"),
    )
    stage = forms.ChoiceField(
        label=_("Stage at the end of the year"),
        required=False,
        choices=[("", _("All stages")), *Stage.choices],
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        required=False,
        queryset=Tag.objects.all(),
        to_field_name="name",
        empty_label=_("All tags"),
    )
    rank = forms.ChoiceField(label=_("Rank communities by"), required=False, choices=RANK_CHOICES)

    def __init__(self, *args: Any, years: list[int], default_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_year = default_year
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [(y, str(y)) for y in years]
        year_field.initial = default_year

    def selects(self) -> list[dict[str, Any]]:
        """Each filter as a select to draw: id, name, label, [(value, label, selected)].

        Django draws a select through one template per option; with a few hundred tags
        that was half of the dashboard's time once its figures are cached.
        """
        drawn = []
        for bound in self:
            current = bound.value()
            current = "" if current is None else str(current)
            choices = getattr(bound.field, "choices", [])
            drawn.append(
                {
                    "id": bound.id_for_label,
                    "name": bound.html_name,
                    "label": bound.label,
                    "options": [
                        (str(value), label, str(value) == current) for value, label in choices
                    ],
                }
            )
        return drawn

    def filters(self) -> DashboardFilters:
        if not self.is_bound or not self.is_valid():
            return DashboardFilters(year=self.default_year)
        data = self.cleaned_data
        return DashboardFilters(
            year=data["year"] or self.default_year,
            business_unit=data["business_unit"].pk if data["business_unit"] else None,
            stage=data["stage"] or "",
            tag=data["tag"].name if data["tag"] else "",
            rank_by=data["rank"] or "active_rate",
        )


class ScorecardYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], default_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_year = default_year
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [(y, str(y)) for y in years]
        year_field.initial = default_year

    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["year"]:
            return int(self.cleaned_data["year"])
        return self.default_year
