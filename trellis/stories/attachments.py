"""Attachment checks: the type is read from the content (magic bytes), never trusted.

Allowed: pdf, png, jpeg, docx, xlsx, pptx, txt. The extension must agree with the content;
a file that is empty or larger than `STORY_ATTACHMENT_MAX_BYTES` is refused.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# extension -> the type the content must have
EXTENSIONS = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "txt": "txt",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain; charset=utf-8",
}
# The folder an Office Open XML package keeps its main part in.
_OOXML_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


def max_bytes() -> int:
    return int(getattr(settings, "STORY_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def sniff(data: bytes) -> str | None:
    """The type of the content, or None when it is none of the allowed ones."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, folder in _OOXML_FOLDERS.items():
            if any(name.startswith(folder) for name in names):
                return kind
        return None
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "txt"


def check_attachment(name: str, data: bytes) -> str:
    """The checked type of the file; raises ValidationError with a message for the user."""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS:
        raise ValidationError(
            _("%(name)s: this type of file is not accepted. Accepted: %(types)s.")
            % {"name": name, "types": "PDF, PNG, JPEG, DOCX, XLSX, PPTX, TXT"},
            code="extension",
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    limit = max_bytes()
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is too large: the limit is %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)},
            code="size",
        )
    expected = EXTENSIONS[extension]
    if sniff(data) != expected:
        raise ValidationError(
            _("The content of %(name)s is not a %(ext)s file: check that it is the right file.")
            % {"name": name, "ext": extension.upper()},
            code="content",
        )
    return expected
