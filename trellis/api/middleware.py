"""Refuse API requests holding a NUL character anywhere: address, query or JSON body.

PostgreSQL's text cannot hold a NUL character, and no field of Trellis needs one: such a
request is refused as invalid (422, the one error shape) before anything reaches the
database, instead of failing there with a 500 (schemathesis found it on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from trellis.api.errors import error_response

API_PREFIX = "/api/"
NUL = "\x00"


def nul_at(value: Any, where: str) -> str | None:
    """The dotted place of the first NUL character in a parsed JSON value, or None."""
    if isinstance(value, str):
        return where if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{key}" if where else str(key)
            if NUL in str(key):
                return place
            found = nul_at(item, place)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_at(item, f"{where}.{index}" if where else str(index))
            if found is not None:
                return found
    return None


def _where(request: HttpRequest) -> str | None:
    if NUL in request.path:
        return "path"
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            return key.replace(NUL, "") or "query"
    if request.method in ("POST", "PUT", "PATCH") and "json" in (request.content_type or ""):
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # not JSON: the API answers that itself
        return nul_at(data, "")
    return None


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            where = _where(request)
            if where is not None:
                message = _("A value holds a NUL character, which no field accepts.")
                return error_response(
                    422,
                    "invalid_request",
                    message,
                    [{"field": where or "body", "message": message, "type": "nul_character"}],
                )
        return self.get_response(request)
