from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from trellis.communities.models import LEADER_ROLES, Community
from trellis.core.access import is_programme_office, person_for_user, require_programme_office
from trellis.lib.safe_export import write_csv
from trellis.surveys import services
from trellis.surveys.access import (
    campaign_for_office,
    community_results_for_user,
    question_for_office,
    template_for_office,
)
from trellis.surveys.forms import CampaignForm, QuestionForm, ResultsImportForm
from trellis.surveys.models import Campaign, Invitation, Question, SurveyTemplate
from trellis.surveys.questionnaire import field_name
from trellis.surveys.results import community_page, export_rows, results_page

# --- The respondent's side (no account: the token is the key) ---------------------------------


def _sections(sheet: services.Sheet, data: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    scopes: list[Community | None] = [None, *sheet.communities]
    for community in scopes:
        wanted = Question.Section.GLOBAL if community is None else Question.Section.COMMUNITY
        items = []
        for q in sheet.questions:
            if q.section != wanted:
                continue
            name = field_name(q, community)
            values = data.getlist(name) if data is not None else []
            items.append(
                {
                    "q": q,
                    "name": name,
                    "text": q.text(sheet.language),
                    "choices": q.choice_labels(sheet.language),
                    "values": values,
                    "value": values[0] if values else "",
                    "error": errors.get(name, ""),
                    "scale": list(range(1, 6))
                    if q.type == Question.Type.LIKERT
                    else list(range(0, 11))
                    if q.type == Question.Type.SCALE10
                    else [],
                }
            )
        if items:
            sections.append({"community": community, "items": items})
    return sections


REFUSED_STATUS = {"invalid": 404, "used": 410, "closed": 410, "not_open": 403}


@sensitive_variables("token", "data")
@sensitive_post_parameters()
@never_cache
def survey_respond(request: HttpRequest) -> HttpResponse:
    """The questionnaire behind an e-mailed link: GET ?t=token shows it, POST records it.

    The token travels in the POST body; answers never reach a log (sensitive_post_parameters
    hides them from error reports) and the response keeps no trace of who sent it.
    """
    token = request.POST.get("token", "") if request.method == "POST" else request.GET.get("t", "")
    try:
        sheet = services.sheet_for_token(token)
    except services.SurveyError as error:
        status = REFUSED_STATUS.get(error.code, 403)
        return render(request, "surveys/respond_refused.html", {"error": error}, status=status)
    with translation.override(sheet.language):
        errors: dict[str, str] = {}
        data = None
        if request.method == "POST":
            data = request.POST
            try:
                parsed = services.response_submit(token=token, data=request.POST)
            except services.SurveyError as error:
                return render(request, "surveys/respond_refused.html", {"error": error}, status=409)
            if not parsed.errors:
                return render(request, "surveys/respond_thanks.html", {"campaign": sheet.campaign})
            errors = parsed.errors
        response = render(
            request,
            "surveys/respond.html",
            {
                "sheet": sheet,
                "token": token,
                "sections": _sections(sheet, data, errors),
                "errors": errors,
                "language": sheet.language,
            },
            status=400 if errors else 200,
        )
        # The address holds the token: send only the origin as referrer, even to this site
        # (its static files), so the token does not reach access logs twice. Not
        # "no-referrer": browsers then send "Origin: null" and the CSRF check fails.
        response["Referrer-Policy"] = "strict-origin"
        return response


# --- Office: questionnaires --------------------------------------------------------------------


@login_required
def survey_templates(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    if request.method == "POST":
        template, created = services.template_create_default(actor=request.user)
        if created:
            messages.success(request, _("The default questionnaire was created."))
        return redirect("survey_template", pk=template.pk)
    templates = SurveyTemplate.objects.annotate(n=Count("questions")).order_by("name", "-version")
    return render(request, "surveys/templates.html", {"templates": templates, "nav": "programme"})


@login_required
def survey_template(request: HttpRequest, pk: int) -> HttpResponse:
    template = template_for_office(request.user, pk)
    if request.method == "POST":
        copy = services.template_new_version(actor=request.user, template=template)
        messages.success(
            request, _("A new version was created: edit it before a campaign uses it.")
        )
        return redirect("survey_template", pk=copy.pk)
    return render(
        request,
        "surveys/template.html",
        {
            "template": template,
            "questions": template.questions.order_by("section", "position", "pk"),
            "locked": template.is_locked,
            "nav": "programme",
        },
    )


@login_required
def survey_question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = question_for_office(request.user, pk)
    initial = {
        "text_en": question.text_en,
        "text_fr": question.text_fr,
        "required": question.required,
    }
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(actor=request.user, question=question, **form.cleaned_data)
        except services.SurveyError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The question was saved."))
        return redirect("survey_template", pk=question.template_id)
    return render(
        request,
        "surveys/question_edit.html",
        {
            "question": question,
            "form": form,
            "locked": question.template.is_locked,
            "nav": "programme",
        },
    )


# --- Office: campaigns -------------------------------------------------------------------------


@login_required
def survey_campaigns(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(actor=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The campaign was created as a draft."))
            return redirect("survey_campaign", pk=campaign.pk)
    campaigns = Campaign.objects.select_related("template").annotate(
        invited=Count("invitations", distinct=True),
        answered=Count("invitations", filter=Q(invitations__responded=True), distinct=True),
    )
    return render(
        request,
        "surveys/campaigns.html",
        {"campaigns": campaigns, "form": form, "nav": "programme"},
    )


@login_required
def survey_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a campaign: counts only (who answered is never shown, even to the office)."""
    campaign = campaign_for_office(request.user, pk)
    invitations = Invitation.objects.filter(campaign=campaign)
    totals = invitations.aggregate(
        invited=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        responded=Count("pk", filter=Q(responded=True)),
    )
    by_community = (
        Invitation.communities.through.objects.filter(invitation__campaign=campaign)
        .values("community__name", "community__slug")
        .annotate(invited=Count("pk"), responded=Count("pk", filter=Q(invitation__responded=True)))
        .order_by("community__name")
    )
    by_unit = (
        invitations.values("person__business_unit__name")
        .annotate(invited=Count("pk"), responded=Count("pk", filter=Q(responded=True)))
        .order_by("person__business_unit__name")
    )
    return render(
        request,
        "surveys/campaign.html",
        {
            "campaign": campaign,
            "totals": totals,
            "by_community": by_community,
            "by_unit": by_unit,
            "responses": campaign.responses.filter(community__isnull=True).count(),
            "nav": "programme",
        },
    )


@login_required
@require_POST
def survey_campaign_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    campaign = campaign_for_office(request.user, pk)
    base_url = request.build_absolute_uri("/")
    try:
        if action == "open":
            invited = services.campaign_open(
                actor=request.user, campaign=campaign, base_url=base_url
            )
            messages.success(request, _("The campaign is open; invitations are being sent."))
            del invited  # the count is in the audit entry
        elif action == "remind":
            services.campaign_remind(actor=request.user, campaign=campaign, base_url=base_url)
            messages.success(request, _("Reminders are being sent to those who have not answered."))
        elif action == "close":
            services.campaign_close(actor=request.user, campaign=campaign)
            messages.success(request, _("The campaign is closed."))
        elif action == "publish":
            services.campaign_publish(actor=request.user, campaign=campaign)
            messages.success(request, _("The results are published to the leaders."))
        else:
            messages.error(request, _("Unknown action."))
    except services.SurveyError as error:
        messages.error(request, error.message)
    return redirect("survey_campaign", pk=campaign.pk)


# --- Results -----------------------------------------------------------------------------------


@login_required
def survey_home(request: HttpRequest) -> HttpResponse:
    """Published survey results the user may read: the communities they lead."""
    person = person_for_user(request.user)
    led = (
        Community.objects.filter(
            memberships__person=person,
            memberships__left__isnull=True,
            memberships__role__in=LEADER_ROLES,
        ).distinct()
        if person is not None
        else Community.objects.none()
    )
    campaigns = Campaign.objects.filter(status=Campaign.Status.PUBLISHED).order_by("-year")
    return render(
        request,
        "surveys/home.html",
        {
            "campaigns": campaigns,
            "led": list(led),
            "is_office": is_programme_office(request.user),
            "nav": "survey",
        },
    )


@login_required
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_office(request.user, pk)
    if campaign.status not in (Campaign.Status.CLOSED, Campaign.Status.PUBLISHED):
        messages.info(request, _("Results are shown once the campaign is closed."))
        return redirect("survey_campaign", pk=campaign.pk)
    return render(request, "surveys/results.html", {**results_page(campaign), "nav": "programme"})


@login_required
def survey_results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_office(request.user, pk)
    header, rows = export_rows(campaign)
    response = HttpResponse(write_csv(rows, header, bom=True), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="survey-{campaign.year}-{campaign.pk}.csv"'
    )
    return response


@login_required
def survey_community_results(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    campaign, community = community_results_for_user(request.user, pk, slug)
    context = community_page(campaign, community)
    return render(request, "surveys/community_results.html", {**context, "nav": "communities"})


@login_required
def survey_community_pdf(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    from trellis.surveys.results import community_pdf

    campaign, community = community_results_for_user(request.user, pk, slug)
    pdf = community_pdf(request, campaign, community)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.year}-{slug}.pdf"'
    return response


@login_required
def survey_results_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the results of a survey run in another tool: every row valid, or nothing."""
    from trellis.lib.tabular import TabularError
    from trellis.surveys.importer import survey_results_import

    campaign = campaign_for_office(request.user, pk)
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    report = None
    file_error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = survey_results_import(
                actor=request.user,
                campaign=campaign,
                data=b"".join(upload.chunks()),
                filename=upload.name or "results.csv",
            )
        except TabularError as exc:
            file_error = str(exc)
        else:
            if report.ok:
                messages.success(
                    request,
                    _("Imported %(rows)d rows as %(responses)d anonymous responses.")
                    % {"rows": report.rows, "responses": report.responses},
                )
                return redirect("survey_campaign", pk=campaign.pk)
    return render(
        request,
        "surveys/results_import.html",
        {
            "campaign": campaign,
            "form": form,
            "report": report,
            "file_error": file_error,
            "nav": "programme",
        },
    )
