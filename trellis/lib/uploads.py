"""Uploaded files kept between a preview and its "Apply", keyed by their sha256.

The bytes live under `VAR_DIR/uploads/<sha256>`, not in the session (cookies and session
rows stay small); loading re-hashes the bytes so that "Apply" imports exactly the file
that was previewed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from django.conf import settings

# Previews nobody applied are removed after this many seconds.
MAX_AGE = 24 * 3600
_SHA256 = re.compile(r"[0-9a-f]{64}")


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(directory: Path) -> None:
    limit = time.time() - MAX_AGE
    for entry in directory.iterdir():
        try:
            # Only our files: other importers keep their own subdirectories here.
            if entry.is_file() and entry.stat().st_mtime < limit:
                entry.unlink()
        except OSError:
            pass  # another request removed it


def store_upload(data: bytes) -> str:
    """Keep the bytes; return their sha256 (written atomically, once per content)."""
    sha256 = hashlib.sha256(data).hexdigest()
    directory = upload_dir()
    _sweep(directory)
    target = directory / sha256
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, target)
    return sha256


def load_upload(sha256: str) -> bytes | None:
    """The stored bytes with this hash, or None (unknown, expired, or altered on disk)."""
    if not _SHA256.fullmatch(sha256):
        return None
    try:
        data = (upload_dir() / sha256).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def discard_upload(sha256: str) -> None:
    if _SHA256.fullmatch(sha256):
        (upload_dir() / sha256).unlink(missing_ok=True)
