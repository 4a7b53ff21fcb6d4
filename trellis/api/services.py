"""Writes on API tokens: create (the secret is shown once), revoke, note the last use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.api.models import ApiToken, Scope
from trellis.core.audit import Actor, audit_record

SECRET_PREFIX = "trl_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for
PREFIX_LENGTH = 12
# last_used_at is written at most once per this interval, so reads do not write each time.
TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Actor, user: Any, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is never stored."""
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValidationError({"scopes": _("Unknown scope.")})
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    ordered = [s for s in Scope.values if s in scopes]
    token = ApiToken(
        user=user,
        name=name.strip(),
        token_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
        scopes="|".join(ordered),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        changes={"name": token.name, "scopes": ordered, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        changes={"name": token.name, "prefix": token.prefix},
    )
    return token


def token_touch(token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record the token's use (not audited: a read is not a change)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
