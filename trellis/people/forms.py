from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("HR file"),
        help_text=_(
            "CSV (comma, semicolon or tab) or Excel .xlsx; the first row names the columns."
        ),
    )
    deactivate_missing = forms.BooleanField(
        label=_("This file is the full HR extract (mark people missing from it as inactive)"),
        required=False,
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > settings.IMPORT_MAX_UPLOAD_SIZE:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_SIZE)}
            )
        if not (upload.name or "").lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class PeopleImportApplyForm(forms.Form):
    """The hidden fields of the "Apply" button: which previewed file, with which option."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    filename = forms.CharField(max_length=255, widget=forms.HiddenInput)
    deactivate_missing = forms.BooleanField(required=False, widget=forms.HiddenInput)
