from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.api.models import Scope


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “BI nightly extract”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        help_text=_(
            "Read: look up data. Write: change what you may change on the web pages. "
            "Import activity: push ESN figures (programme office)."
        ),
    )
