"""The survey from the office's campaign to the respondent's answers, and bad input."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.personas import World
from tests.survey_helpers import (
    IMMEDIATE_TASKS,
    add_members,
    answer,
    full_answers,
    open_campaign,
    tokens_by_email,
)
from trellis.core.models import AuditEntry
from trellis.surveys import services
from trellis.surveys.models import COMMENT_MAX_CHARS, Answer, Campaign, Invitation, Response
from trellis.surveys.questionnaire import DEFAULT_TEMPLATE_NAME


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


def _counts() -> tuple[int, int, int]:
    return (
        Response.objects.count(),
        Answer.objects.count(),
        Invitation.objects.filter(responded=True).count(),
    )


def test_it_creates_the_default_questionnaire_once(world: World, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("survey-template-default")
    call_command("survey-template-default")
    out = capsys.readouterr().out
    assert "nothing changed" in out
    from trellis.surveys.models import Question, SurveyTemplate

    template = SurveyTemplate.objects.get(name=DEFAULT_TEMPLATE_NAME)
    codes = set(Question.objects.filter(template=template).values_list("code", flat=True))
    assert {
        "solve_faster",
        "time_saved",
        "new_practices",
        "wider_network",
        "better_quality",
    } <= codes
    assert {"nps", "hours_saved", "comment"} <= codes
    assert all(q.text_fr and q.text_en for q in template.questions.all())


def test_it_runs_a_campaign_through_the_office_pages(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    office = as_user("office")
    office.post("/survey/templates/")
    from trellis.surveys.models import SurveyTemplate

    template = SurveyTemplate.objects.get()
    today = timezone.localdate()
    response = office.post(
        "/survey/campaigns/",
        {
            "year": today.year,
            "title": "Survey",
            "template": template.pk,
            "opens_on": (today - dt.timedelta(days=1)).isoformat(),
            "closes_on": (today + dt.timedelta(days=7)).isoformat(),
            "min_respondents": 5,
            "min_comments": 10,
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    office.post(f"/survey/campaigns/{campaign.pk}/do/open/")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN
    # The population: the active members of the communities that count (5 personas).
    invited = Invitation.objects.filter(campaign=campaign).count()
    assert invited == len(mail.outbox) == 5
    page = office.get(f"/survey/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    office.post(f"/survey/campaigns/{campaign.pk}/do/close/")
    office.post(f"/survey/campaigns/{campaign.pk}/do/publish/")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PUBLISHED
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"survey_campaign.create", "survey_campaign.open", "survey_campaign.publish"} <= actions


def test_it_records_a_response_per_section_without_a_link(world: World) -> None:
    open_campaign(world)
    tokens = tokens_by_email()
    token = tokens["member@example.com"]
    result = answer(token)
    assert result.status_code == 200
    assert "recorded" in result.content.decode()
    invitation = Invitation.objects.get(person=world.member.person)
    assert invitation.responded
    # One global response and one for the member's only community.
    sections = sorted((r.community_id or 0) for r in Response.objects.all())
    assert sections == sorted([0, world.welding.pk])
    # The token is stored hashed only.
    assert token not in {invitation.token_hash, invitation.reminder_token_hash}
    assert invitation.token_hash == services.hash_token(token)


def test_it_refuses_a_reused_token(world: World) -> None:
    open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    client = Client()
    data = full_answers(client, token)
    assert client.post("/survey/r/", data).status_code == 200
    before = _counts()
    again = client.post("/survey/r/", data)
    assert again.status_code in (409, 410)
    assert "already answered" in again.content.decode()
    assert _counts() == before


def test_it_refuses_a_double_submit_from_two_tabs(world: World) -> None:
    open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    tab1, tab2 = Client(), Client()
    data1, data2 = full_answers(tab1, token), full_answers(tab2, token)
    assert tab1.post("/survey/r/", data1).status_code == 200
    before = _counts()
    second = tab2.post("/survey/r/", data2)
    assert "already answered" in second.content.decode()
    assert _counts() == before


def test_it_answers_exactly_once_when_the_check_passed_in_both_tabs(world: World) -> None:
    # Both tabs resolved the token before either wrote: the conditional UPDATE decides.
    open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    client = Client()
    data = full_answers(client, token)
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    sheet = services.sheet_for_token(token)
    services.response_submit(token=token, data=query)
    original = services.sheet_for_token
    try:
        services.sheet_for_token = lambda *a, **k: sheet  # type: ignore[assignment]
        before = _counts()
        with pytest.raises(services.SurveyError) as error:
            services.response_submit(token=token, data=query)
        assert error.value.code == "used"
        assert _counts() == before
    finally:
        services.sheet_for_token = original  # type: ignore[assignment]


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500, "' OR 1=1 --"])
def test_it_refuses_a_tampered_token(world: World, token: str) -> None:
    open_campaign(world)
    real = tokens_by_email()["member@example.com"]
    client = Client()
    page = client.get("/survey/r/", {"t": token})
    assert page.status_code == 404
    assert "not valid" in page.content.decode()
    data = full_answers(client, real)
    data["token"] = token or real[:-1]
    assert client.post("/survey/r/", data).status_code == 404
    assert _counts() == (0, 0, 0)


def test_it_refuses_a_closed_or_not_yet_open_campaign(world: World) -> None:
    campaign = open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    client = Client()
    data = full_answers(client, token)
    today = timezone.localdate()
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_on=today + dt.timedelta(days=2), closes_on=today + dt.timedelta(days=9)
    )
    page = client.post("/survey/r/", data)
    assert page.status_code == 403 and "not open yet" in page.content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_on=today - dt.timedelta(days=9), closes_on=today - dt.timedelta(days=1)
    )
    page = client.post("/survey/r/", data)
    assert page.status_code == 410 and "closed" in page.content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(closes_on=today, status=Campaign.Status.CLOSED)
    assert client.get("/survey/r/", {"t": token}).status_code == 410
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d, n: d.__setitem__(n["likert"], "6"), "between 1 and 5"),
        (lambda d, n: d.__setitem__(n["likert"], "0"), "between 1 and 5"),
        (lambda d, n: d.__setitem__(n["likert"], "2.5"), "values offered"),
        (lambda d, n: d.__setitem__(n["scale10"], "11"), "between 0 and 10"),
        (lambda d, n: d.__setitem__(n["scale10"], "abc"), "number"),
        (lambda d, n: d.__setitem__(n["number"], "-1"), "between 0 and 200"),
        (lambda d, n: d.__setitem__(n["number"], "nan"), "number"),
        (lambda d, n: d.__setitem__(n["single"], "bogus"), "answers offered"),
        (lambda d, n: d.pop(n["likert"]), "needs an answer"),
        (lambda d, n: d.__setitem__(n["text"], "x" * (COMMENT_MAX_CHARS + 1)), "characters"),
    ],
)
def test_it_refuses_bad_answers_and_writes_nothing(world: World, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    client = Client()
    data = full_answers(client, token)
    page = client.get("/survey/r/", {"t": token})
    names: dict[str, str] = {}
    for item in (i for s in page.context["sections"] for i in s["items"]):
        if item["q"].section == "community":
            names.setdefault(item["q"].type, item["name"])
    mutate(data, names)
    result = client.post("/survey/r/", data)
    assert result.status_code == 400
    assert message in result.content.decode()
    assert _counts() == (0, 0, 0)
    # The answers typed so far come back in the form.
    assert not Invitation.objects.get(person=world.member.person).responded


def test_it_shows_the_form_in_the_respondents_language(world: World) -> None:
    add_members(world.welding, 1, prefix="francoise", language="fr")
    open_campaign(world)
    token = tokens_by_email()["francoise0@example.com"]
    page = Client().get("/survey/r/", {"t": token})
    body = page.content.decode()
    assert "Grâce à cette communauté" in body
    assert "<fieldset" in body and "<legend>" in body
    invitation_mail = next(m for m in mail.outbox if m.to == ["francoise0@example.com"])
    assert invitation_mail.extra_headers["Content-Language"] == "fr"


def test_it_leaks_no_answer_to_logs_audit_or_mail(world: World, caplog) -> None:  # type: ignore[no-untyped-def]
    open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    secret = "Zanzibar-unique-comment-7781"
    caplog.set_level(logging.DEBUG)
    mail.outbox.clear()
    audit_before = AuditEntry.objects.count()
    client = Client()
    data = full_answers(client, token, comment=secret)
    assert client.post("/survey/r/", data).status_code == 200
    assert Answer.objects.filter(text=secret).exists()
    assert secret not in caplog.text
    assert token not in caplog.text
    assert AuditEntry.objects.count() == audit_before
    for entry in AuditEntry.objects.all():
        assert secret not in str(entry.changes) and secret not in entry.object_repr
    assert all(secret not in m.body and secret not in m.subject for m in mail.outbox)


def test_it_hides_answers_from_error_reports(world: World, rf) -> None:  # type: ignore[no-untyped-def]
    from django.views.debug import SafeExceptionReporterFilter

    open_campaign(world)
    from django.contrib.auth.models import AnonymousUser

    request = rf.post("/survey/r/", {"token": "abc", "g-programme_comment": "secret words"})
    request.user = AnonymousUser()
    from trellis.surveys.views import survey_respond

    # The decorator marks every POST parameter sensitive for Django's error reports.
    survey_respond(request)
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert "secret words" not in str(dict(cleaned))


def test_it_reminds_only_those_who_have_not_answered(world: World) -> None:
    campaign = open_campaign(world)
    tokens = tokens_by_email()
    answer(tokens["member@example.com"])
    mail.outbox.clear()
    services.campaign_remind(actor=world.office, campaign=campaign, base_url="https://t/")
    reminded = {m.to[0] for m in mail.outbox}
    assert "member@example.com" not in reminded
    assert reminded == set(tokens) - {"member@example.com"}
    # Both the invitation's link and the reminder's link work.
    new = tokens_by_email()["leader@example.com"]
    assert new != tokens["leader@example.com"]
    assert Client().get("/survey/r/", {"t": new}).status_code == 200
    assert Client().get("/survey/r/", {"t": tokens["leader@example.com"]}).status_code == 200


def test_it_freezes_thresholds_and_questions_once_open(world: World) -> None:
    campaign = open_campaign(world)
    question = campaign.template.questions.first()
    assert question is not None
    with pytest.raises(services.SurveyError):
        services.question_update(
            actor=world.office, question=question, text_en="x", text_fr="y", required=False
        )
    with pytest.raises(services.SurveyError):
        services.campaign_open(actor=world.office, campaign=campaign)
    copy = services.template_new_version(actor=world.office, template=campaign.template)
    q2 = copy.questions.get(code=question.code)
    services.question_update(
        actor=world.office, question=q2, text_en="x", text_fr="y", required=False
    )
    q2.refresh_from_db()
    assert q2.text_en == "x"


def test_it_refuses_a_threshold_below_three(world: World) -> None:
    from django.core.exceptions import ValidationError

    template, _c = services.template_create_default(actor=world.office)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.campaign_create(
            actor=world.office,
            year=today.year,
            title="t",
            template=template,
            opens_on=today,
            closes_on=today,
            min_respondents=2,
        )
