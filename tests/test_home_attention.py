"""The home page tells each person what waits for them (guide/ui.md): KPI sheets to submit,
letters to sign, the survey to answer, upcoming events, coaching for those who animate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from tests.personas import World
from tests.survey_helpers import IMMEDIATE_TASKS, answer, open_campaign, tokens_by_email
from trellis.activity.models import Event
from trellis.kpis.models import KpiSheet
from trellis.kpis.services import sheet_year_default
from trellis.programme import services as letters


def _home(as_user, persona: str) -> str:  # type: ignore[no-untyped-def]
    response = as_user(persona).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_asks_leaders_for_the_kpi_sheet_until_it_is_submitted(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    wanted = "Review and submit the KPI sheet of Welding"
    assert wanted in _home(as_user, "leader")
    assert wanted not in _home(as_user, "member")
    assert "KPI sheet of Cloud" not in _home(as_user, "leader")
    KpiSheet.objects.create(
        community=world.welding, year=sheet_year_default(), status=KpiSheet.Status.SUBMITTED
    )
    assert wanted not in _home(as_user, "leader")


def test_it_tells_a_manager_a_letter_waits_for_signature(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    leader = world.leader.person
    manager = world.sponsor.person
    leader.manager = manager
    leader.save()
    today = timezone.localdate()
    letter = letters.letter_create(
        actor=world.office,
        person=leader,
        community=world.welding,
        manager=manager,
        time_unit="percent",
        time_amount=Decimal("10"),
        start=today,
        end=today + dt.timedelta(days=365),
        objectives="Run the community",
    )
    assert "waits for your signature" not in _home(as_user, "sponsor")
    letters.letter_send(actor=world.office, letter=letter, base_url="https://trellis.test/")
    assert "1 engagement letter waits for your signature" in _home(as_user, "sponsor")
    assert "waits for your signature" not in _home(as_user, "leader")


def test_it_reminds_an_invited_member_of_the_open_survey(world: World, as_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS
    mail.outbox = []
    open_campaign(world)
    reminder = "The annual member survey is open and waits for your answers"
    assert reminder in _home(as_user, "member")
    assert reminder not in _home(as_user, "outsider")
    answer(tokens_by_email()["member@example.com"])
    assert reminder not in _home(as_user, "member")


def test_it_lists_upcoming_events_and_coaching_for_those_who_animate(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    assert "No event is planned yet." in _home(as_user, "member")
    Event.objects.create(
        community=world.welding,
        title="Robot welding clinic",
        type=Event.Type.WEBINAR,
        start=timezone.now() + dt.timedelta(days=3),
    )
    Event.objects.create(
        community=world.welding,
        title="Last year's kick-off",
        type=Event.Type.MEETING,
        start=timezone.now() - dt.timedelta(days=3),
    )
    page = _home(as_user, "outsider")
    assert "Robot welding clinic" in page and "kick-off" not in page
    assert "Coaching for leaders" in _home(as_user, "leader")
    assert "Coaching for leaders" in _home(as_user, "core")
    assert "Coaching for leaders" not in _home(as_user, "member")
