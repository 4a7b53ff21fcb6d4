"""The signed engagement letter as a PDF (WeasyPrint from an HTML template)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from trellis.core.models import ProgrammeSettings
from trellis.programme.models import EngagementLetter


def letter_pdf(request: HttpRequest, letter: EngagementLetter) -> bytes:
    import weasyprint

    html = render_to_string(
        "programme/letter_pdf.html",
        {"letter": letter, "programme": ProgrammeSettings.load()},
        request=request,
    )
    return bytes(weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf())
