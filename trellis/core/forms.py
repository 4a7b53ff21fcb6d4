from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.core.models import ProgrammeSettings


class ProgrammeSettingsForm(forms.ModelForm):
    class Meta:
        model = ProgrammeSettings
        fields = [
            "name",
            "currency",
            "default_language",
            "exclude_staff_from_activity",
            "charter_approval_required",
            "primary_colour",
        ]

    def clean_currency(self) -> str:
        value: str = self.cleaned_data["currency"].strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise forms.ValidationError(_("Use a three-letter ISO 4217 code such as EUR."))
        return value

    def clean_primary_colour(self) -> str:
        value: str = self.cleaned_data["primary_colour"].strip()
        if (
            len(value) != 7
            or value[0] != "#"
            or any(c not in "0123456789abcdefABCDEF" for c in value[1:])
        ):
            raise forms.ValidationError(_("Use a hexadecimal colour such as #1f5f8b."))
        return value.lower()
