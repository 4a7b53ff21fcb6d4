"""CACHE_URL: a Redis cache shared by every process, or a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import django
django.setup()
from django.core.cache import cache
from django.conf import settings
print(settings.CACHES["default"]["BACKEND"])
cache.set("probe", 41)
print(cache.incr("probe"))
cache.delete("probe")
"""


def _run(cache_url: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "CACHE_URL": cache_url,
        "DJANGO_SETTINGS_MODULE": "trellis.settings",
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_it_keeps_a_memory_cache_by_default() -> None:
    done = _run("")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["django.core.cache.backends.locmem.LocMemCache", "42"]


def test_it_shares_the_cache_through_redis() -> None:
    done = _run("redis://127.0.0.1:6379/15")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "42"]


def test_it_refuses_an_unknown_cache_url() -> None:
    done = _run("memcached://127.0.0.1:11211")
    assert done.returncode != 0
    assert "CACHE_URL must start with redis://" in done.stderr
