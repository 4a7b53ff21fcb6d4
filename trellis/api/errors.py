"""One error shape for every API error: {"error": {"code", "message", "details"}}.

Each exception the API can meet maps to a status and a stable `code` (docs/api.md lists
them); nothing escapes as Django's HTML error page.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Path, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("trellis.api")


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


# The error responses every operation documents (the 401/429 of the token and limiter).
ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


# Ids in paths and bodies: beyond this no row exists, and SQLite cannot bind the number.
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ApiError(Exception):
    """An error raised by an endpoint with its own code (e.g. unknown_space)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "details": details}}, status=status
    )


def _field(loc: Any) -> str:
    parts = [str(p) for p in (loc or [])]
    # ninja prefixes the place of the value: ("query", "limit"), ("body", "payload", "posts").
    if parts and parts[0] in ("query", "path", "body", "header", "cookie", "form"):
        where, rest = parts[0], parts[1:]
        if where == "body" and rest and rest[0] == "payload":
            rest = rest[1:]
        return ".".join(rest) or where
    return ".".join(parts)


# pydantic error types -> a message of ours; the bounded ones name the ctx value they show.
_MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("This field is required."),
    **dict.fromkeys(
        ("int_parsing", "int_type", "int_from_float"), gettext_lazy("Enter a whole number.")
    ),
    **dict.fromkeys(
        ("float_parsing", "float_type", "decimal_parsing"), gettext_lazy("Enter a number.")
    ),
    **dict.fromkeys(("bool_parsing", "bool_type"), gettext_lazy("Enter true or false.")),
    **dict.fromkeys(
        ("date_parsing", "date_type", "date_from_datetime_parsing"),
        gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    ),
    **dict.fromkeys(
        ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"),
        gettext_lazy("Enter a valid date and time (ISO 8601, e.g. 2026-03-04T14:00:00+01:00)."),
    ),
    **dict.fromkeys(("string_type", "string_unicode"), gettext_lazy("Enter a text.")),
    **dict.fromkeys(("url_parsing", "url_type", "url_scheme"), gettext_lazy("Enter a valid URL.")),
    **dict.fromkeys(("list_type", "tuple_type", "set_type"), gettext_lazy("Enter a list.")),
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type"), gettext_lazy("Enter an object.")
    ),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
    "extra_forbidden": gettext_lazy("This field is not expected."),
}
_BOUNDED: dict[str, tuple[str, str, Promise]] = {
    "string_too_long": ("max_length", "count", gettext_lazy("Enter at most %(count)s characters.")),
    "string_too_short": (
        "min_length",
        "count",
        gettext_lazy("Enter at least %(count)s characters."),
    ),
    "greater_than_equal": (
        "ge",
        "limit",
        gettext_lazy("Enter a value greater than or equal to %(limit)s."),
    ),
    "less_than_equal": (
        "le",
        "limit",
        gettext_lazy("Enter a value less than or equal to %(limit)s."),
    ),
    "greater_than": ("gt", "limit", gettext_lazy("Enter a value greater than %(limit)s.")),
    "less_than": ("lt", "limit", gettext_lazy("Enter a value less than %(limit)s.")),
    "enum": ("expected", "values", gettext_lazy("Choose one of: %(values)s.")),
    "literal_error": ("expected", "values", gettext_lazy("Choose one of: %(values)s.")),
}


def _message(error: dict[str, Any]) -> str:
    """The validation message in the request's language (pydantic's own are English only).

    The common error types get a message of ours; a validator's ValueError is its own
    (translated) message without pydantic's "Value error, " prefix; anything else keeps
    pydantic's text. The `type` beside it stays the stable, language-free key.
    """
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind in _MESSAGES:
        return str(_MESSAGES[kind])
    if kind in _BOUNDED and _BOUNDED[kind][0] in ctx:
        key, name, message = _BOUNDED[kind]
        return str(message) % {name: ctx[key]}
    return str(error.get("msg", ""))


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "field": _field(e.get("loc")),
            "message": _message(e),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _django_validation_details(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": "" if name == "__all__" else name, "message": str(m), "type": "invalid"}
            for name, errors in exc.message_dict.items()
            for m in errors
        ]
    return [{"field": "", "message": str(m), "type": "invalid"} for m in exc.messages]


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers by ones that answer in the one error shape.

    (The handlers take `exc: Any`: ninja's stubs type them as receiving the class too.)
    """

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            422,
            "invalid_request",
            _("The request is not valid: see details."),
            _validation_details(exc.errors),
        )

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            422, "invalid", _("The data was refused: see details."), _django_validation_details(exc)
        )

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(
            401,
            "unauthenticated",
            _("A valid API token is required (Authorization: Bearer <token>)."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="trellis"'
        return response

    def on_throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            429,
            "rate_limited",
            _("Too many requests with this token: wait and retry."),
            {"retry_after": exc.wait} if exc.wait is not None else None,
        )

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        codes = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}
        return error_response(exc.status_code, codes.get(exc.status_code, "error"), str(exc))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(404, "not_found", _("Not found."))

    def on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            403, "forbidden", str(exc) or _("This token's owner may not do this.")
        )

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    def on_anything(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", _("An unexpected error occurred."))

    api.add_exception_handler(Exception, on_anything)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(ApiError, on_api_error)
