"""The French catalogue is complete, compiled, safe to format, and actually used by pages.

`scripts/check_translations.sh` re-extracts the strings first (makemessages), so together
they catch a string added in code without its translation; these tests read the committed
catalogue and need no gettext tools.
"""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings

from trellis.communities.models import Community

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s, %(n)d, %s, %d ... (python-format) and {name} (brace-format); %% is a literal.
PERCENT = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")
BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
NNBSP = "\u202f"


def placeholders(text: str, python_format: bool = True) -> Counter[str]:
    """Placeholders of a message; outside python-format, a bare "%" is just a percent sign."""
    found = [p for p in PERCENT.findall(text) if p != "%%" and (python_format or "(" in p)]
    return Counter(found + BRACE.findall(text))


def live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def describe(entries: list[polib.POEntry]) -> str:
    return "\n".join(
        f"  {e.msgid!r} ({', '.join(f'{f}:{n}' for f, n in e.occurrences[:2])})" for e in entries
    )


def forms(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def test_it_declares_french_with_french_plural_rules(po: polib.POFile) -> None:
    assert po.metadata["Language"] == "fr"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n>1);"
    assert len(live(po)) > 0


def test_it_has_no_untranslated_entry(po: polib.POFile) -> None:
    untranslated = [e for e in live(po) if not e.translated() and not e.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated:\n{describe(untranslated)}"


def test_it_has_no_fuzzy_entry(po: polib.POFile) -> None:
    fuzzy = [e for e in live(po) if e.fuzzy]
    assert not fuzzy, f"{len(fuzzy)} fuzzy:\n{describe(fuzzy)}"


def test_it_fills_every_plural_form(po: polib.POFile) -> None:
    incomplete = [
        e
        for e in live(po)
        if e.msgid_plural and (sorted(e.msgstr_plural) != [0, 1] or not all(forms(e)))
    ]
    assert not incomplete, f"plural forms missing:\n{describe(incomplete)}"


def test_it_compiled_exactly_the_translations_of_the_po(po: polib.POFile) -> None:
    assert MO_PATH.exists(), "run: uv run trellis compilemessages --ignore=.venv"
    mo = polib.mofile(str(MO_PATH))
    expected = {(e.msgctxt, e.msgid): forms(e) for e in po.translated_entries()}
    compiled = {(e.msgctxt, e.msgid): forms(e) for e in mo if e.msgid}
    stale = sorted(k[1] for k in expected.keys() ^ compiled.keys())
    stale += sorted(k[1] for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert not stale, (
        "django.mo differs from django.po (run compilemessages and commit both):\n"
        + "\n".join(f"  {m!r}" for m in stale)
    )


def test_it_keeps_the_placeholders_of_every_message(po: polib.POFile) -> None:
    broken = []
    for e in po.translated_entries():
        pyf = "python-format" in e.flags
        if e.msgid_plural:
            singular, plural = placeholders(e.msgid, pyf), placeholders(e.msgid_plural, pyf)
            first, *others = forms(e)
            # French uses the first form for 0 and 1: it may show the count the English
            # singular leaves out, but nothing that neither English form has.
            got = placeholders(first, pyf)
            if not (set(singular) <= set(got) <= set(singular) | set(plural)):
                broken.append((e.msgid, first))
            broken += [(e.msgid_plural, o) for o in others if placeholders(o, pyf) != plural]
        elif placeholders(e.msgstr, pyf) != placeholders(e.msgid, pyf):
            broken.append((e.msgid, e.msgstr))
    assert not broken, "\n".join(f"  {src!r} -> {dst!r}" for src, dst in broken)


class _Anything(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> int:
        return 1


def test_it_formats_every_python_format_translation(po: polib.POFile) -> None:
    """A lone % in French (e.g. "50 %") breaks `%` formatting at run time: it must be %%."""
    failures = []
    for e in po.translated_entries():
        if "python-format" not in e.flags:
            continue
        for text in forms(e):
            positional = sum(1 for p in PERCENT.findall(text) if "(" not in p and p != "%%")
            try:
                text % (tuple([1] * positional) if positional else _Anything())
            except (TypeError, ValueError, KeyError) as exc:
                failures.append(f"  {text!r}: {exc}")
    assert not failures, "\n".join(failures)


def test_it_follows_french_typography(po: polib.POFile) -> None:
    """Narrow no-break space before : ; ! ? and inside « », guillemets not English quotes."""
    bad = []
    for e in po.translated_entries():
        for text in forms(e):
            if (
                re.search(r"[ \u00a0][:;!?]", text)
                or re.search(r"«(?!\u202f)|(?<!\u202f)»", text)
                or re.search(r"[\w)][;!?]", text)
                or re.search(r"[“”]", text)
            ):
                bad.append(f"  {text!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/communities/", "/communities/welding/"])
def test_it_renders_pages_in_french_with_the_cookie(  # type: ignore[no-untyped-def]
    world, as_user, po: polib.POFile, url: str
) -> None:
    translations = {e.msgid: e.msgstr for e in po.translated_entries() if not e.msgid_plural}
    client = as_user("member")
    client.cookies["django_language"] = "en"
    english = unescape(client.get(url).content.decode())
    client.cookies["django_language"] = "fr"
    response = client.get(url)
    assert response.status_code == 200
    french = unescape(response.content.decode())

    assert '<html lang="fr">' in french
    assert '<html lang="en">' in english
    for msgid in ["Skip to content", "Log out", "Communities", "Home"]:
        assert translations[msgid] != msgid
        assert translations[msgid] in french, msgid
        assert msgid in english and translations[msgid] not in english, msgid
    assert "Aller au contenu" in french
    assert "Se déconnecter" in french
    assert "Skip to content" not in french


@pytest.mark.django_db
def test_it_uses_the_french_plural_on_the_catalogue(world, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    client.cookies["django_language"] = "fr"
    page = unescape(client.get("/communities/").content.decode())
    count = Community.objects.count()
    assert count > 1
    assert f"{count} communautés" in page


def test_filters_say_all_in_the_gender_of_their_noun(world, as_user) -> None:  # type: ignore[no-untyped-def]
    """French "All" agrees with the filtered noun: "Tous" les statuts, "Toutes" les
    étapes and entités (one msgid, two contexts)."""
    client = as_user("office")
    client.cookies["django_language"] = "fr"
    page = unescape(client.get("/programme/health/").content.decode())

    def first_option(name: str) -> str:
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select is not None, name
        option = re.search(r"<option[^>]*>([^<]*)</option>", select.group(1))
        assert option is not None, name
        return option.group(1)

    assert first_option("status") == "Tous"
    assert first_option("stage") == "Toutes"
    assert first_option("business_unit") == "Toutes"
