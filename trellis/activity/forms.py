from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from trellis.activity.models import Source
from trellis.communities.models import Community
from trellis.people.models import Person

# Exports are streamed to disk, never held in memory; this bounds the disk they take.
MAX_UPLOAD = 8 * 1024**3
EXTENSIONS = {
    Source.VIVA_ENGAGE: (".zip",),
    Source.SLACK: (".zip",),
    Source.M365_USAGE: (".csv", ".xlsx"),
    Source.CSV: (".csv", ".xlsx"),
}


class ImportUploadForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    file = forms.FileField(
        label=_("Export file"),
        help_text=_(
            "Viva Engage: the data export ZIP. Slack: the workspace export ZIP. Microsoft "
            "365: the groups activity report CSV. Other tools: Trellis's activity CSV."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: read and count everything, change nothing"), required=False
    )
    memberships = forms.BooleanField(
        label=_("Slack: channel members become members of the mapped community"),
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload: UploadedFile | None = data.get("file")
        source = data.get("source")
        if upload is None or not source:
            return data
        if (upload.size or 0) > MAX_UPLOAD:
            self.add_error(
                "file",
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(MAX_UPLOAD)},
            )
        extensions = EXTENSIONS[source]
        if not (upload.name or "").lower().endswith(extensions):
            self.add_error(
                "file",
                _("This source expects a file ending in %(extensions)s.")
                % {"extensions": " / ".join(extensions)},
            )
        return data


class SpaceMapForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.order_by("name"),
        required=False,
        empty_label=_("— not mapped —"),
        help_text=_("Its messages count for this community; remapping takes effect at once."),
    )


class AliasForm(forms.Form):
    email = forms.EmailField(
        label=_("The person's e-mail in the directory"),
        help_text=_("This ESN identity then counts as this person."),
    )
    any_source = forms.BooleanField(
        label=_("Apply to every source (the same id elsewhere is the same person)"),
        required=False,
    )

    def clean_email(self) -> Person:
        email = self.cleaned_data["email"]
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(_("Nobody in the directory has this e-mail."))
        return person
