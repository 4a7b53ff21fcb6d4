"""A digest of every row the app owns: a denied write must leave it unchanged."""

from __future__ import annotations

import hashlib

from django.apps import apps

APPS = ("core", "people", "communities", "auth", "activity", "events", "kpis", "surveys")
SKIP = {"core.loginfailure"}


def db_fingerprint() -> str:
    digest = hashlib.sha256()
    for config in apps.get_app_configs():
        if config.label not in APPS and not config.name.startswith("trellis."):
            continue
        for model in sorted(config.get_models(), key=lambda m: m._meta.label_lower):
            if model._meta.label_lower in SKIP:
                continue
            rows = sorted(repr(sorted(r.items())) for r in model.objects.values())
            digest.update(model._meta.label_lower.encode())
            for row in rows:
                digest.update(row.encode())
    return digest.hexdigest()
