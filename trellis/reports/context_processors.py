from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from trellis.core.access import can_see_dashboard


def reports(request: HttpRequest) -> dict[str, Any]:
    # A callable: templates evaluate it only where the navigation asks for it, once.
    show: Callable[[], bool] = lambda: can_see_dashboard(request.user)  # noqa: E731
    return {"can_see_dashboard": show}
