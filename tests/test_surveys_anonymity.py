"""Anonymity by construction (guide/quality.md promise 7): the schema has no path from an
answer to a person, and no exact time, IP or user agent."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models

from trellis.people.models import Person
from trellis.surveys.models import Answer, Invitation, Response, ResultsImport

FORBIDDEN = {Person, Invitation, apps.get_model("auth", "User")}
ANONYMOUS = (Response, Answer)


def _forward_targets(model: type[models.Model]) -> set[type[models.Model]]:
    """Models reachable by the relations the model itself declares (FK, one-to-one, M2M)."""
    targets = set()
    for f in model._meta.get_fields():
        if f.is_relation and f.concrete and f.related_model is not None:
            targets.add(f.related_model)
        if isinstance(f, models.ManyToManyField):
            targets.add(f.related_model)
    return targets  # type: ignore[return-value]


def test_it_has_no_path_from_an_answer_to_a_person() -> None:
    seen: set[type[models.Model]] = set()
    frontier = list(ANONYMOUS)
    while frontier:
        model = frontier.pop()
        if model in seen:
            continue
        seen.add(model)
        assert model not in FORBIDDEN, f"{model.__name__} is reachable from a response"
        frontier.extend(_forward_targets(model))
    # Sanity: the walk does reach the group-level models it should.
    assert {"Campaign", "Community", "Question"} <= {m.__name__ for m in seen}


def test_it_stores_nothing_that_points_at_a_response_but_its_answers() -> None:
    # A table referencing Response/Answer could be a side door (e.g. "which invitation
    # produced which response"): only Answer may refer to Response.
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.concrete and f.is_relation and f.related_model in ANONYMOUS:
                assert (model, f.related_model) == (Answer, Response), (model, f.name)
    assert not any(f.is_relation and f.related_model is Response for f in Invitation._meta.fields)
    assert not any(f.related_model is Invitation for f in ResultsImport._meta.fields)


def test_it_keeps_no_time_ip_or_user_agent_on_answers() -> None:
    for model in ANONYMOUS:
        for f in model._meta.concrete_fields:
            assert not isinstance(f, models.DateTimeField | models.TimeField), f.name
            assert not isinstance(f, models.GenericIPAddressField), f.name
            for word in ("ip", "agent", "token", "person", "user", "invitation", "email", "time"):
                assert word not in f.name.split("_"), f.name


def test_it_keeps_answers_out_of_the_admin() -> None:
    registered = set(admin.site._registry)
    assert Response not in registered and Answer not in registered
    assert Invitation not in registered
