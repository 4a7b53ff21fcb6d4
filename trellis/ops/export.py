"""The full JSON export of the programme's data, readable by Django's `loaddata`.

The file is a JSON array of `{"model", "pk", "fields"}` records, Django's fixture format,
so that `trellis loaddata FILE` into an empty, migrated database (SQLite or PostgreSQL)
brings the programme back, and any tool that reads JSON can take it apart. Accounts and
groups are identified by their natural keys (username, group name) rather than by ids, so
that the groups `migrate` creates in the target are reused rather than duplicated.

What is left out, on purpose:
- secrets: sessions, API token hashes, survey invitation tokens; passwords become
  unusable (people sign in again through single sign-on or a password reset);
- bookkeeping that belongs to one installation: content types and permissions (recreated
  by `migrate`), the task queue, admin log entries.

Survey responses are exported as they are stored: without any link to a person.

Records are written one chunk at a time (2,000 rows, their many-to-many links prefetched),
so memory stays flat with the size of the programme.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

CHUNK = 2000

# Whole models kept out of the export, by app label and model name (lower case).
EXCLUDED_MODELS = {
    "sessions.session",
    "admin.logentry",
    "contenttypes.contenttype",
    "auth.permission",
    "django_tasks_db.dbtaskresult",
    "surveys.invitation",
}
# Any model of these apps that holds a secret by construction (token hashes).
EXCLUDED_APPS_SECRETS = {"api"}

UNUSABLE_PASSWORD = "!"  # noqa: S105 - Django's mark of an unusable password, not a secret


def exported_models() -> list[type[models.Model]]:
    """Trellis's models and the accounts, ordered so that references come first."""
    chosen: list[type[models.Model]] = []
    for model in apps.get_models():
        label = model._meta.label_lower
        app_label = model._meta.app_label
        if label in EXCLUDED_MODELS or app_label in EXCLUDED_APPS_SECRETS:
            continue
        if not (model.__module__.startswith("trellis.") or label in {"auth.user", "auth.group"}):
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        chosen.append(model)
    # Note: sort_dependencies orders by natural-key dependencies; loaddata checks foreign
    # keys only at the end, so the order matters for readability, not correctness.
    app_list: dict[Any, list[type[models.Model]] | None] = {}
    for model in chosen:
        config = apps.get_app_config(model._meta.app_label)
        app_list.setdefault(config, [])
        app_list[config].append(model)  # type: ignore[union-attr]
    return list(serializers.sort_dependencies(app_list.items(), allow_cycles=True))


def _rows(model: type[models.Model]) -> Iterator[models.Model]:
    queryset = model._default_manager.order_by("pk")
    m2m = [
        field.name
        for field in model._meta.many_to_many
        if field.remote_field.through._meta.auto_created  # type: ignore[union-attr]
    ]
    if m2m:
        queryset = queryset.prefetch_related(*m2m)
    yield from queryset.iterator(chunk_size=CHUNK)


def _chunks(rows: Iterable[models.Model]) -> Iterator[list[models.Model]]:
    chunk: list[models.Model] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_json(*, out: IO[str]) -> dict[str, int]:
    """Write the export to `out`; return the number of records per model."""
    serializer = serializers.get_serializer("python")()
    counts: dict[str, int] = {}
    first = True
    out.write("[\n")
    for model in exported_models():
        label = model._meta.label_lower
        counts[label] = 0
        for chunk in _chunks(_rows(model)):
            records = serializer.serialize(
                chunk, use_natural_foreign_keys=True, use_natural_primary_keys=True
            )
            for record in records:
                if label == "auth.user":
                    record["fields"]["password"] = UNUSABLE_PASSWORD
                    # Permissions are not exported; keep groups (the programme office).
                    record["fields"].pop("user_permissions", None)
                elif label == "auth.group":
                    record["fields"].pop("permissions", None)
                if not first:
                    out.write(",\n")
                out.write(json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False))
                first = False
            counts[label] += len(records)
    out.write("\n]\n")
    return counts
