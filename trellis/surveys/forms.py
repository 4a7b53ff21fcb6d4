from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.surveys.models import MIN_RESPONDENTS_FLOOR, Campaign, SurveyTemplate


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "year",
            "title",
            "template",
            "opens_on",
            "closes_on",
            "communities",
            "business_unit",
            "min_respondents",
            "min_comments",
            "external",
        ]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = SurveyTemplate.objects.all()  # type: ignore[attr-defined]
        self.fields["communities"].required = False
        self.fields["min_respondents"].min_value = MIN_RESPONDENTS_FLOOR  # type: ignore[attr-defined]
        self.fields["min_respondents"].help_text = _(
            "Groups with fewer respondents are hidden (at least 3; 5 is the usual rule)."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The campaign must close after it opens."))
        k, comments = data.get("min_respondents"), data.get("min_comments")
        if k is not None and k < MIN_RESPONDENTS_FLOOR:
            self.add_error("min_respondents", _("At least 3 respondents per group."))
        if k is not None and comments is not None and comments < k:
            self.add_error("min_comments", _("Comments cannot need fewer respondents than scores."))
        return data


class QuestionForm(forms.Form):
    text_en = forms.CharField(label=_("Wording (English)"), max_length=500)
    text_fr = forms.CharField(label=_("Wording (French)"), max_length=500)
    required = forms.BooleanField(label=_("Required"), required=False)


class ResultsImportForm(forms.Form):
    """The survey-results file of another tool (formats.md), for an external campaign."""

    file = forms.FileField(
        label=_("Survey-results file"),
        help_text=_(
            "CSV or Excel .xlsx: a community column (the community's short name) and one column "
            "per question code; one row per anonymous response."
        ),
    )

    def clean_file(self) -> Any:
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        upload = self.cleaned_data["file"]
        if (upload.size or 0) > settings.IMPORT_MAX_UPLOAD_SIZE:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_SIZE)}
            )
        if not (upload.name or "").lower().endswith((".csv", ".txt", ".tsv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
