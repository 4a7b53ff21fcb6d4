from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.comms.models import NewsPost
from trellis.communities.models import Community

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.order_by("name"),
        required=False,
        empty_label=_("The whole programme"),
        to_field_name="slug",
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text: line breaks are kept, HTML is shown as typed."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=NewsPost.Status.choices)
    publish_at = forms.DateTimeField(
        label=_("Publication date"),
        widget=DATETIME_INPUT,
        required=False,
        help_text=_(
            "A published post with a later date appears by itself on that date. Empty: now."
        ),
    )

    def __init__(self, *args: Any, with_community: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_community:
            del self.fields["community"]


class NewsletterDraftForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    period_end = forms.DateField(label=_("To"), widget=DATE_INPUT)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: a title naming the period."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period comes before its start."))
        return data


class NewsletterEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A few words from the programme office, shown above the items."),
    )
