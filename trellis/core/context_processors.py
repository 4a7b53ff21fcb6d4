from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from trellis.core.access import is_programme_office, person_for_user
from trellis.core.models import ProgrammeSettings


def trellis(request: HttpRequest) -> dict[str, Any]:
    return {
        "programme": ProgrammeSettings.load(),
        "is_office": is_programme_office(request.user),
        "me": person_for_user(request.user),
    }
