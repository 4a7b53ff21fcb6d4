"""The audit trail: every write records who, when (UTC) and what changed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from trellis.core.models import AuditEntry

Actor = AbstractBaseUser | AnonymousUser | None


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    user = actor if actor is not None and actor.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    label = "system"
    if user is not None:
        label = user.get_username()
    return AuditEntry.objects.create(
        actor=user,  # type: ignore[misc]
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
    )


def diff_fields(
    before: models.Model | None, after: models.Model, fields: list[str]
) -> dict[str, Any]:
    """The fields whose values differ, as {field: [old, new]}."""
    changes: dict[str, Any] = {}
    for name in fields:
        new = getattr(after, name)
        old = getattr(before, name) if before is not None else None
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes
