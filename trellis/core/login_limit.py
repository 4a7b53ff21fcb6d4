"""Brute-force limit on logins, per username and per IP address.

Failures are rows in the database so that every web process on every host shares the
count (a per-process cache would let an attacker spread attempts over workers).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from trellis.core.models import LoginFailure


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def is_locked(username: str, ip: str | None) -> bool:
    since = _window_start()
    limit = settings.LOGIN_FAILURE_LIMIT
    name = username.strip().lower()
    by_user = LoginFailure.objects.filter(at__gte=since, username=name).count()
    if by_user >= limit:
        return True
    if ip:
        # An IP gets more room than one account: several people share a proxy.
        by_ip = LoginFailure.objects.filter(at__gte=since, ip=ip).count()
        if by_ip >= limit * 4:
            return True
    return False


def record_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:254], ip=ip)
    # Old rows are of no use: keep the table small.
    LoginFailure.objects.filter(at__lt=_window_start() - dt.timedelta(days=1)).delete()


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(Q(username=username.strip().lower())).delete()
