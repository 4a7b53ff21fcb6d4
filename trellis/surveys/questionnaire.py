"""The default questionnaire and the parsing of a respondent's answers.

Field names of the respondent's form: `g-<code>` for the global section and
`c<community id>-<code>` for a community's section (repeated for each community).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.surveys.models import COMMENT_MAX_CHARS, Question

DEFAULT_TEMPLATE_NAME = "Engagement and perceived value"

_FREQ = [
    {"value": "weekly", "en": "Every week", "fr": "Chaque semaine"},
    {"value": "monthly", "en": "Every month", "fr": "Chaque mois"},
    {"value": "rarely", "en": "A few times a year", "fr": "Quelques fois par an"},
    {"value": "never", "en": "Never", "fr": "Jamais"},
]
_WAYS = [
    {"value": "events", "en": "Events and webinars", "fr": "Événements et webinaires"},
    {"value": "esn", "en": "Online discussions", "fr": "Discussions en ligne"},
    {"value": "documents", "en": "Shared documents", "fr": "Documents partagés"},
    {"value": "people", "en": "Talking to members", "fr": "Échanges avec des membres"},
]

# (code, section, type, English, French, required, dimension, extra)
DEFAULT_QUESTIONS: list[tuple[str, str, str, str, str, bool, str, dict[str, Any]]] = [
    (
        "programme_useful",
        "global",
        "likert",
        "The communities of practice programme is useful to my work.",
        "Le programme des communautés de pratique est utile à mon travail.",
        True,
        "",
        {},
    ),
    (
        "programme_comment",
        "global",
        "text",
        "What should the programme do differently next year?",
        "Que devrait faire le programme différemment l'an prochain ?",
        False,
        "",
        {},
    ),
    (
        "participation",
        "community",
        "single",
        "How often do you take part in this community?",
        "À quelle fréquence participez-vous à cette communauté ?",
        True,
        "",
        {"choices": _FREQ},
    ),
    (
        "channels",
        "community",
        "multiple",
        "How do you take part? (several answers possible)",
        "Comment participez-vous ? (plusieurs réponses possibles)",
        False,
        "",
        {"choices": _WAYS},
    ),
    (
        "engaged",
        "community",
        "likert",
        "I feel I belong to this community.",
        "Je me sens membre à part entière de cette communauté.",
        True,
        "engagement",
        {},
    ),
    (
        "contribute",
        "community",
        "likert",
        "I contribute to this community (questions, answers, content, events).",
        "Je contribue à cette communauté (questions, réponses, contenus, événements).",
        True,
        "engagement",
        {},
    ),
    (
        "solve_faster",
        "community",
        "likert",
        "Thanks to this community, I solve problems faster.",
        "Grâce à cette communauté, je résous les problèmes plus vite.",
        True,
        "value",
        {},
    ),
    (
        "time_saved",
        "community",
        "likert",
        "This community saves me time.",
        "Cette communauté me fait gagner du temps.",
        True,
        "value",
        {},
    ),
    (
        "new_practices",
        "community",
        "likert",
        "I learned new practices in this community.",
        "J'ai appris de nouvelles pratiques dans cette communauté.",
        True,
        "value",
        {},
    ),
    (
        "wider_network",
        "community",
        "likert",
        "This community widened my professional network.",
        "Cette communauté a élargi mon réseau professionnel.",
        True,
        "value",
        {},
    ),
    (
        "better_quality",
        "community",
        "likert",
        "This community improves the quality of my work.",
        "Cette communauté améliore la qualité de mon travail.",
        True,
        "value",
        {},
    ),
    (
        "nps",
        "community",
        "scale10",
        "How likely are you to recommend this community to a colleague?",
        "Quelle est la probabilité que vous recommandiez cette communauté à un collègue ?",
        True,
        "nps",
        {},
    ),
    (
        "hours_saved",
        "community",
        "number",
        "About how many hours does this community save you per month?",
        "Environ combien d'heures cette communauté vous fait-elle gagner par mois ?",
        False,
        "hours",
        {"min_value": 0, "max_value": 200},
    ),
    (
        "comment",
        "community",
        "text",
        "Any comment for the leaders of this community?",
        "Un commentaire pour les animateurs de cette communauté ?",
        False,
        "",
        {},
    ),
]


def field_name(question: Question, community: Community | None) -> str:
    return f"g-{question.code}" if community is None else f"c{community.pk}-{question.code}"


@dataclass
class ParsedAnswer:
    question: Question
    number: float | None = None
    text: str = ""


@dataclass
class Parsed:
    # community id (None for the global section) -> answers
    sections: dict[int | None, list[ParsedAnswer]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _number(raw: str) -> float | None:
    try:
        value = float(raw.replace(",", ".").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_answer(question: Question, values: list[str]) -> tuple[list[ParsedAnswer], str]:
    """The answers to one question from the submitted values, or an error message."""
    values = [v for v in (v.strip() for v in values) if v]
    if not values:
        return [], (_("This question needs an answer.") if question.required else "")
    if question.type == Question.Type.TEXT:
        text = values[0]
        if len(text) > COMMENT_MAX_CHARS:
            return [], _("Please keep this answer under %(limit)d characters.") % {
                "limit": COMMENT_MAX_CHARS
            }
        return [ParsedAnswer(question, text=text)], ""
    if question.type in (Question.Type.SINGLE, Question.Type.MULTIPLE):
        allowed = {str(c["value"]): i for i, c in enumerate(question.choices)}
        if any(v not in allowed for v in values) or (
            question.type == Question.Type.SINGLE and len(values) > 1
        ):
            return [], _("Please choose among the answers offered.")
        # The choice's position goes in `number` too: results count choices by number,
        # through the same index as the scales.
        return [
            ParsedAnswer(question, number=allowed[v], text=v) for v in dict.fromkeys(values)
        ], ""
    number = _number(values[0])
    bounds = question.bounds
    if number is None or len(values) > 1 or bounds is None:
        return [], _("Please enter a number.")
    low, high = bounds
    if question.type != Question.Type.NUMBER and number != int(number):
        return [], _("Please choose one of the values offered.")
    if not low <= number <= high:
        return [], _("Please give a value between %(low)s and %(high)s.") % {
            "low": f"{low:g}",
            "high": f"{high:g}",
        }
    return [ParsedAnswer(question, number=number)], ""


def parse_submission(questions: list[Question], communities: list[Community], data: Any) -> Parsed:
    """Every answer of a submission (a QueryDict or {name: [values]}), validated."""
    parsed = Parsed()
    scopes: list[Community | None] = [None, *communities]
    for community in scopes:
        key = None if community is None else community.pk
        section = Question.Section.GLOBAL if community is None else Question.Section.COMMUNITY
        answers: list[ParsedAnswer] = []
        for question in questions:
            if question.section != section:
                continue
            name = field_name(question, community)
            raw = data.getlist(name) if hasattr(data, "getlist") else list(data.get(name, []))
            found, error = parse_answer(question, [str(v) for v in raw])
            if error:
                parsed.errors[name] = error
            answers.extend(found)
        parsed.sections[key] = answers
    return parsed
