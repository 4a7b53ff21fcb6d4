"""Shared helpers of the onboarding tests: run a command on a file, digest the programme."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from trellis.communities.models import Community, Membership, SpaceLink, StageChange, Tag
from trellis.people.models import BusinessUnit, Person


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(command: str, *args: str) -> Result:
    """Run a trellis command as the CLI would; `code` is the process exit code."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return Result(exc.returncode, out.getvalue(), err.getvalue())
    return Result(0, out.getvalue(), err.getvalue())


def run_file(
    tmp_path: Path, command: str, content: bytes | str, *args: str, name: str = ""
) -> Result:
    data = content.encode() if isinstance(content, str) else content
    path = tmp_path / (name or f"{command}.csv")
    path.write_bytes(data)
    return run(command, str(path), *args)


def export(kind: str) -> bytes:
    out = io.StringIO()
    call_command(f"export-{kind}", stdout=out)
    return out.getvalue().encode()


def programme_digest() -> str:
    """Every row of the programme's tables (not the audit trail): equal means unchanged."""
    digest = hashlib.sha256()
    for model in (Community, Membership, SpaceLink, StageChange, Tag, BusinessUnit, Person):
        rows = sorted(repr(sorted(r.items())) for r in model.objects.values())
        digest.update(model._meta.label_lower.encode())
        for row in rows:
            digest.update(row.encode())
    # The many-to-many links are rows too.
    for through in (Community.tags.through, Community.business_units.through):
        for row in sorted(repr(sorted(r.items())) for r in through.objects.values()):
            digest.update(row.encode())
    return digest.hexdigest()
