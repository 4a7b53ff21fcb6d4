from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trellis.people.models import Person

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
EMAIL_SEPARATORS = re.compile(r"[\s,;|]+")


def people_from_emails(text: str, *, limit: int, too_many: object) -> list[Person]:
    """The directory people that a typed list of e-mails names, for a form field's clean.

    E-mails may be separated by spaces, commas, semicolons or bars and match the directory
    whatever their case. More than `limit` raises `too_many` (a message with %(max)d); an
    e-mail nobody in the directory has raises a list of the unknown ones (the first ten).
    """
    emails = [e for e in EMAIL_SEPARATORS.split(text) if e]
    if len(emails) > limit:
        raise forms.ValidationError(str(too_many) % {"max": limit})
    wanted = {e.lower() for e in emails}
    found = {
        p.email_lower: p
        for p in Person.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
    }
    unknown = sorted(wanted - set(found))
    if unknown:
        raise forms.ValidationError(
            ngettext(
                "Not in the directory: %(emails)s.",
                "Not in the directory: %(emails)s.",
                len(unknown),
            )
            % {"emails": ", ".join(unknown[:10])}
        )
    return list(found.values())


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
