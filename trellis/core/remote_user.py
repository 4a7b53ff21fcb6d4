"""Single sign-on through an authenticating proxy that sets a remote-user header.

Off unless REMOTE_USER_HEADER names a header. The trust boundary: Trellis believes the
header only on requests whose direct peer (REMOTE_ADDR) is one of REMOTE_USER_TRUSTED_PROXIES;
from anyone else the header is ignored, so a client that reaches Trellis without passing
through the proxy cannot claim to be somebody. The proxy must also overwrite (never pass
through) the header a client sends. See docs/deployment.md.

The header's value is matched to a login by username, then to the directory by e-mail
(case-insensitive): a person of the directory without a login gets one, linked to their
directory entry, with no usable password. Nobody outside the directory gets in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware
from django.db import IntegrityError, transaction
from django.http import HttpRequest


def header_key() -> str:
    """The request.META key of the configured header ('' when single sign-on is off)."""
    name = getattr(settings, "REMOTE_USER_HEADER", "")
    if not name:
        return ""
    return "HTTP_" + name.upper().replace("-", "_")


class ProxyRemoteUserMiddleware(PersistentRemoteUserMiddleware):
    """Log in the user the proxy names; keep the session when a request lacks the header."""

    def process_request(self, request: HttpRequest) -> None:
        key = header_key()
        if not key:
            return
        if request.META.get("REMOTE_ADDR") not in settings.REMOTE_USER_TRUSTED_PROXIES:
            # Not from the proxy: the header is a claim by the client itself. Drop it.
            request.META.pop(key, None)
            return
        self.header = key  # type: ignore[misc]
        super().process_request(request)

    async def aprocess_request(self, request: HttpRequest) -> None:  # pragma: no cover
        raise NotImplementedError("Trellis runs under WSGI")


class DirectoryRemoteUserBackend(RemoteUserBackend):
    """Map the proxy's user name to a login, creating one for a person of the directory."""

    create_unknown_user = False

    def clean_username(self, username: str) -> str:
        return username.strip()

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, remote_user: str | None = None, **kwargs: Any
    ) -> Any:
        if not remote_user or not header_key():
            return None
        name = self.clean_username(remote_user)
        user_model = get_user_model()
        user = user_model._default_manager.filter(username__iexact=name).first()
        if user is None:
            user = self._from_directory(name)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

    def _from_directory(self, name: str) -> Any:
        from trellis.people.models import Person

        person = Person.objects.filter(email__iexact=name, is_active=True).first()
        if person is None:
            return None
        if person.user_id is not None:
            return person.user
        user_model = get_user_model()
        try:
            with transaction.atomic():
                user = user_model._default_manager.create_user(
                    username=name.lower(), email=person.email
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
                person.user = user
                person.save(update_fields=["user"])
        except IntegrityError:
            # Two first requests of the same person at once: the other one created it.
            return user_model._default_manager.filter(username__iexact=name).first()
        return user
