"""The documentation is kept honest by tests: every setting and every command is described."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "trellis"
CONFIGURATION = ROOT / "docs" / "configuration.md"
COMMANDS = ROOT / "docs" / "commands.md"

# env("NAME"…), env_bool(…), env_int(…), env_list(…), os.environ.get/[…], os.getenv(…)
ENV_READ = re.compile(
    r"""(?:\benv(?:_bool|_int|_list)?\(|os\.environ\.get\(|os\.environ\[|os\.getenv\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
DOCUMENTED_VARIABLE = re.compile(r"^###\s+`([A-Z][A-Z0-9_]*)`\s*$", re.MULTILINE)
DOCUMENTED_COMMAND = re.compile(r"^##\s+trellis\s+(\S+)\s*$", re.MULTILINE)


def variables_read() -> dict[str, str]:
    """Every environment variable read by the package, with the first file that reads it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in ENV_READ.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def our_commands() -> set[str]:
    return {
        path.stem
        for path in PACKAGE.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }


def test_it_finds_the_variables_settings_read():
    # Guards the regular expression itself: if it matched nothing, the next test would pass.
    found = variables_read()
    for name in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SESSION_COOKIE_AGE"):
        assert name in found


def test_it_documents_every_variable_settings_read():
    documented = set(DOCUMENTED_VARIABLE.findall(CONFIGURATION.read_text(encoding="utf-8")))
    missing = {name: where for name, where in variables_read().items() if name not in documented}
    assert not missing, f"add a `### `NAME`` section to docs/configuration.md for: {missing}"


def test_it_documents_no_variable_that_nothing_reads():
    documented = set(DOCUMENTED_VARIABLE.findall(CONFIGURATION.read_text(encoding="utf-8")))
    stale = documented - set(variables_read())
    assert not stale, f"docs/configuration.md describes variables nothing reads: {sorted(stale)}"


def test_it_gives_each_documented_variable_a_default_and_an_example():
    text = CONFIGURATION.read_text(encoding="utf-8")
    sections = re.split(r"^###\s+", text, flags=re.MULTILINE)[1:]
    incomplete = [
        section.split("\n", 1)[0]
        for section in sections
        if "Default:" not in section or "Example:" not in section
    ]
    assert not incomplete, f"sections without 'Default:' or 'Example:': {incomplete}"


def test_it_documents_every_trellis_command():
    documented = set(DOCUMENTED_COMMAND.findall(COMMANDS.read_text(encoding="utf-8")))
    missing = sorted(our_commands() - documented)
    assert not missing, f"add a `## trellis <name>` section to docs/commands.md for: {missing}"


def test_it_documents_only_commands_that_exist():
    documented = set(DOCUMENTED_COMMAND.findall(COMMANDS.read_text(encoding="utf-8")))
    unknown = sorted(documented - set(get_commands()))
    assert not unknown, f"docs/commands.md documents commands that do not exist: {unknown}"


def test_it_links_only_to_files_that_exist():
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    broken = []
    for page in [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in link.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, https:, mailto:
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
