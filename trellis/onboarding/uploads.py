"""Uploaded files kept between the preview and the apply, keyed by their sha256.

The page previews a file, then applies exactly that file: the bytes stay on the server
under VAR_DIR/uploads/<sha256> and are checked against the hash when read back, so the
apply cannot run on anything but what was previewed.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from django.conf import settings

from trellis.onboarding.cells import sha256_hex

HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Previews nobody applied are removed after a day.
MAX_AGE_SECONDS = 24 * 3600


class UploadMissing(Exception):
    """The kept file is gone (applied already, or expired) or does not match its hash."""


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_store(data: bytes) -> str:
    """Keep the bytes; returns their sha256 (the key to read them back)."""
    digest = sha256_hex(data)
    folder = upload_dir()
    _prune(folder)
    target = folder / digest
    if target.exists():
        target.touch()  # a fresh preview of a known file must not expire at once
    else:
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest


def upload_load(digest: str) -> bytes:
    if not HEX64.match(digest):
        raise UploadMissing(digest)
    path = upload_dir() / digest
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UploadMissing(digest) from exc
    if sha256_hex(data) != digest:
        raise UploadMissing(digest)
    return data


def upload_discard(digest: str) -> None:
    if HEX64.match(digest):
        (upload_dir() / digest).unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another request removed it first
