"""Bearer tokens: the request then acts as the token's owner, through the access helpers.

Each operation names the scope it needs (`read`, `write` or `import`); a valid token
without it gets 403 insufficient_scope, an unknown, revoked or inactive one 401.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from trellis.api.errors import ApiError
from trellis.api.models import ApiToken, Scope
from trellis.api.services import hash_secret, token_touch


class TokenAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_secret(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        if not found.has_scope(self.scope):
            raise ApiError(
                403,
                "insufficient_scope",
                _("This token does not have the “%(scope)s” scope.") % {"scope": self.scope},
                {"required": self.scope, "granted": found.scope_list},
            )
        request.user = found.user
        token_touch(found)
        return found


READ = TokenAuth(Scope.READ)
WRITE = TokenAuth(Scope.WRITE)
IMPORT = TokenAuth(Scope.IMPORT)


class TokenThrottle(BaseThrottle):
    """settings.API_RATE_LIMIT requests per token and window (e.g. "600/min").

    A fixed-window counter in the cache (one add and one incr per request, atomic on
    Redis/Memcached and the database cache): cheap, and it needs no per-token history.
    Requests without a valid token are refused by authentication before they get here.
    """

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        token: Any = getattr(request, "auth", None)
        if limit is None or period is None or not isinstance(token, ApiToken):
            return True
        now = time.time()
        window = int(now // period)
        key = f"trellis-api-rate:{token.pk}:{window}"
        cache.add(key, 0, timeout=period + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=period + 1)
            used = 1
        self._wait = (window + 1) * period - now
        return bool(used <= limit)

    def wait(self) -> float | None:
        return self._wait


PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int | None, int | None]:
    """ "600/min" -> (600, 60); an empty setting means no limit."""
    if not rate:
        return None, None
    count, _sep, unit = rate.partition("/")
    return int(count), PERIODS[unit.strip() or "s"]
