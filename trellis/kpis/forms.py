from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.kpis.models import SHEET_QUESTIONS


class KpiSheetForm(forms.Form):
    """One whole-number field per sheet question, then the comments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in SHEET_QUESTIONS:
            self.fields[question.key] = forms.IntegerField(
                label=question.label,
                help_text=question.help_text,
                required=False,
                min_value=0,
                max_value=10_000_000,
            )
        self.fields["comments"] = forms.CharField(
            label=_("Comments"),
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_("What went well, what was hard, what the programme could do for you."),
        )

    def answers(self) -> dict[str, Any]:
        return {q.key: self.cleaned_data.get(q.key) for q in SHEET_QUESTIONS}


class RecomputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why recompute this year?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: a late import of December's messages, or a space mapped to the "
            "wrong community. The reason is kept with the figures."
        ),
    )
