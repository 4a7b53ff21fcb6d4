#!/usr/bin/env bash
# Re-extract the translatable strings and fail if the French catalogue is incomplete.
#
#   bash scripts/check_translations.sh
#
# Runs `makemessages -l fr` with the project's options (it updates
# locale/fr/LC_MESSAGES/django.po in place, as a developer would), then lists every entry
# that is untranslated or fuzzy. Exit codes: 0 complete, 1 entries to translate,
# 2 the tools are missing or makemessages failed.
# makemessages needs GNU gettext (xgettext, msgmerge); as root it installs Debian's package.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v xgettext >/dev/null 2>&1 || ! command -v msgmerge >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing gettext (makemessages needs xgettext and msgmerge)..."
        DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q gettext >/dev/null
    else
        echo "check_translations: GNU gettext is missing (apt-get install gettext)." >&2
        exit 2
    fi
fi

uv run trellis makemessages -l fr --no-obsolete \
    --ignore=.venv --ignore=var --ignore=tests --ignore=bench || exit 2

# JavaScript catalogue only when a static script calls gettext().
if grep -rqsE '\b(n?gettext|interpolate)\(' --include='*.js' static/ \
        --exclude-dir=vendor 2>/dev/null; then
    uv run trellis makemessages -d djangojs -l fr --no-obsolete \
        --ignore=.venv --ignore=var --ignore=tests --ignore=bench || exit 2
fi

uv run python - <<'PY'
import sys
from pathlib import Path

import polib

problems = 0
for path in sorted(Path("locale/fr/LC_MESSAGES").glob("*.po")):
    po = polib.pofile(str(path))
    for entry in po:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            kind = "fuzzy"
        elif not entry.translated():
            kind = "untranslated"
        else:
            continue
        problems += 1
        where = ", ".join(f"{f}:{n}" if n else f for f, n in entry.occurrences[:3])
        print(f"{path}: {kind}: {entry.msgid!r} ({where})")
if problems:
    print(f"\n{problems} French entr{'y' if problems == 1 else 'ies'} to translate "
          "(edit the .po, then: uv run trellis compilemessages --ignore=.venv).", file=sys.stderr)
    sys.exit(1)
print("French catalogue complete.")
PY
