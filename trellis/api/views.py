"""Pages of the API area: each user's personal tokens; the JSON 404 of /api/v1/."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trellis.api import services
from trellis.api.errors import error_response
from trellis.api.forms import TokenForm
from trellis.api.models import ApiToken


@csrf_exempt  # an API path, called without a session: no CSRF token to check
def api_not_found(request: HttpRequest) -> HttpResponse:
    return error_response(404, "not_found", _("No such API endpoint."))


def json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view, with its plain 405 (wrong HTTP method) turned into the error shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            shaped = error_response(
                405,
                "method_not_allowed",
                _("This endpoint does not accept %(method)s.") % {"method": request.method},
                {"allowed": allowed},
            )
            shaped["Allow"] = response.get("Allow", "")
            return shaped
        return response

    return wrapper


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens and create one; the new secret is shown once, on this page."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.filter(user_id=int(request.user.pk or 0)),
            "nav": "account",
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Only one's own tokens exist for this page: another user's token is a 404.
    token = ApiToken.objects.filter(pk=pk, user_id=int(request.user.pk or 0)).first()
    if token is None:
        raise Http404
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_tokens")
