from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")

KIND_CHOICES = [
    ("communities", _("Communities (communities.csv)")),
    ("memberships", _("Memberships (memberships.csv)")),
    ("spaces", _("ESN space mappings (spaces.csv)")),
]


class ProgrammeImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KIND_CHOICES)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (comma, semicolon or tab) or Excel .xlsx; the first row names the columns."
        ),
    )
    sync = forms.BooleanField(
        label=_(
            "Memberships only: this file is the full list of its communities' members "
            "(end the memberships it does not list)"
        ),
        required=False,
    )
    create_people = forms.BooleanField(
        label=_("Memberships only: add people the directory does not know yet"),
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
