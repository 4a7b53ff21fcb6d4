from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from trellis.health.maturity import LEVEL_NAMES, LEVELS
from trellis.health.models import Pillar, Status
from trellis.health.questionnaire import ANSWER_CHOICES, CAUSES
from trellis.health.selectors import FOLLOWED_STAGES
from trellis.people.models import BusinessUnit


class HealthCheckForm(forms.Form):
    """One radio group per known cause of failure, then a free comment."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What would help the community most? Only the programme office, the "
            "sponsor and the core team read it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for cause in CAUSES:
            self.fields[f"cause_{cause.key}"] = forms.TypedChoiceField(
                label=str(cause.question),
                choices=ANSWER_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )
        # The comment goes last.
        self.order_fields([f"cause_{c.key}" for c in CAUSES] + ["comment"])

    def cause_fields(self) -> list[forms.BoundField]:
        return [self[f"cause_{cause.key}"] for cause in CAUSES]

    def answers(self) -> dict[str, int]:
        return {cause.key: self.cleaned_data[f"cause_{cause.key}"] for cause in CAUSES}


class HealthFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(Status.choices)
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", pgettext_lazy("filter choice for a feminine noun", "All"))]
        + [(s.value, s.label) for s in FOLLOWED_STAGES],
    )
    business_unit = forms.ModelChoiceField(
        label=_("Business unit"),
        required=False,
        queryset=BusinessUnit.objects.order_by("name"),
        empty_label=pgettext_lazy("filter choice for a feminine noun", "All"),
    )
    q = forms.CharField(label=_("Community"), required=False, max_length=100)


def year_bounds_allowed() -> tuple[int, int]:
    this_year = timezone.localdate().year
    return 2000, this_year + 1


class MaturityForm(forms.Form):
    """For each pillar: a level (its four descriptors as the choices), evidence, comment."""

    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Where the programme stands this year, in a few sentences."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for pillar, name in Pillar.choices:
            self.fields[f"{pillar}_level"] = forms.TypedChoiceField(
                label=gettext("Level of %(pillar)s") % {"pillar": name},
                choices=[
                    (level, f"{LEVEL_NAMES[level]} — {text}")
                    for level, text in LEVELS[pillar].items()
                ],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a level.")},
            )
            self.fields[f"{pillar}_evidence"] = forms.CharField(
                label=gettext("Evidence for %(pillar)s") % {"pillar": name},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("What shows this level: documents, figures, decisions."),
            )
            self.fields[f"{pillar}_comment"] = forms.CharField(
                label=gettext("Comment on %(pillar)s") % {"pillar": name},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def pillar_groups(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": label,
                "level": self[f"{key}_level"],
                "evidence": self[f"{key}_evidence"],
                "comment": self[f"{key}_comment"],
            }
            for key, label in Pillar.choices
        ]

    def scores(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            key: {
                "level": data[f"{key}_level"],
                "evidence": data[f"{key}_evidence"],
                "comment": data[f"{key}_comment"],
            }
            for key in Pillar.values
        }


def valid_year(year: int) -> bool:
    low, high = year_bounds_allowed()
    return low <= year <= high


def today() -> dt.date:
    return timezone.localdate()
