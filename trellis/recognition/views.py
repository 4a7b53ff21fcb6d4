from __future__ import annotations

import textwrap
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.core.access import is_programme_office, person_for_user, require_programme_office
from trellis.recognition import services
from trellis.recognition.access import (
    campaign_for_office,
    campaign_for_reader,
    candidate_for_office,
    category_for_member,
    category_for_office,
    criterion_for_office,
    winner_for_reader,
)
from trellis.recognition.eligibility import category_eligibility
from trellis.recognition.forms import (
    CampaignEditForm,
    CampaignForm,
    CategoryForm,
    CriterionForm,
    DecisionForm,
    NominationForm,
    VoteForm,
)
from trellis.recognition.models import AwardCampaign, Candidate, Category
from trellis.recognition.selectors import (
    campaigns_overview,
    is_programme_person,
    nominations_of,
    open_campaigns,
    programme_communities,
    vote_results,
    voted_categories,
    winners_of,
)

Phase = AwardCampaign.Phase

# --- Members and employees ---------------------------------------------------------------------


@login_required
def awards_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recognition/home.html",
        {"campaigns": list(open_campaigns()), "nav": "awards"},
    )


@login_required
def award_campaign_public(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_reader(request.user, pk)
    person = person_for_user(request.user)
    member = is_programme_person(person, campaign.year)
    categories = list(campaign.categories.all())
    voted = voted_categories(person, campaign) if campaign.phase == Phase.VOTING else set()
    winners = winners_of(campaign) if campaign.is_published else {}
    rows = [
        {"category": c, "voted": c.pk in voted, "winners": winners.get(c.pk, [])}
        for c in categories
    ]
    return render(
        request,
        "recognition/campaign_public.html",
        {
            "campaign": campaign,
            "rows": rows,
            "member": member,
            "is_office": is_programme_office(request.user),
            "nav": "awards",
        },
    )


@login_required
def award_nominate(request: HttpRequest, pk: int) -> HttpResponse:
    category, person = category_for_member(request.user, pk)
    campaign = category.campaign
    if campaign.phase != Phase.NOMINATIONS:
        messages.error(request, _("Nominations are not open for this campaign."))
        return redirect(campaign)
    form = NominationForm(
        request.POST or None,
        category=category,
        communities=programme_communities(campaign.year),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.nomination_create(
                    actor=request.user,
                    nominator=person,
                    category=category,
                    justification=data["justification"],
                    community=data.get("community"),
                    person=data.get("person_email"),
                )
            except services.RecognitionError as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("Thank you: your nomination was recorded."))
                return redirect(campaign)
        status = 400
    return render(
        request,
        "recognition/nominate.html",
        {"category": category, "campaign": campaign, "form": form, "nav": "awards"},
        status=status,
    )


@login_required
def award_vote(request: HttpRequest, pk: int) -> HttpResponse:
    category, person = category_for_member(request.user, pk)
    campaign = category.campaign
    if campaign.phase != Phase.VOTING:
        messages.error(request, _("The vote is not open for this campaign."))
        return redirect(campaign)
    already = category.pk in voted_categories(person, campaign)
    form = VoteForm(request.POST or None, category=category)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.vote_cast(
                    actor=request.user,
                    voter=person,
                    category=category,
                    candidate=form.cleaned_data["candidate"],
                )
            except services.RecognitionError as error:
                messages.error(request, error.messages[0])
                return redirect(campaign)
            messages.success(request, _("Thank you: your vote was recorded. It is secret."))
            return redirect(campaign)
        status = 400
    return render(
        request,
        "recognition/vote.html",
        {
            "category": category,
            "campaign": campaign,
            "form": form,
            "already": already,
            "nav": "awards",
        },
        status=status,
    )


@login_required
def award_winner(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = winner_for_reader(request.user, pk)
    return render(
        request,
        "recognition/winner.html",
        {
            "candidate": candidate,
            "category": candidate.category,
            "campaign": candidate.category.campaign,
            "nav": "awards",
        },
    )


def _badge_svg(candidate: Candidate) -> str:
    category = candidate.category
    campaign = category.campaign
    return render_to_string(
        "recognition/badge.svg",
        {
            "campaign": campaign,
            "category_lines": textwrap.wrap(category.name, 26)[:2],
            "winner_lines": textwrap.wrap(str(candidate.nominee), 24)[:2],
            "award_lines": textwrap.wrap(campaign.name, 30)[:2],
            "is_label": category.is_label,
        },
    )


@login_required
def award_badge(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = winner_for_reader(request.user, pk)
    response = HttpResponse(_badge_svg(candidate), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="award-{candidate.pk}.svg"'
    return response


@login_required
def award_badge_png(request: HttpRequest, pk: int) -> HttpResponse:
    import vl_convert

    candidate = winner_for_reader(request.user, pk)
    png = vl_convert.svg_to_png(_badge_svg(candidate), scale=2)
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="award-{candidate.pk}.png"'
    return response


# --- The programme office ----------------------------------------------------------------------


@login_required
def award_campaigns(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = services.campaign_create(
            actor=request.user,
            year=data["year"],
            name=data["name"],
            description=data["description"],
            member_vote=data["member_vote"],
        )
        messages.success(request, _("The campaign was created: add its categories."))
        return redirect("award_campaign", pk=campaign.pk)
    return render(
        request,
        "recognition/campaigns.html",
        {"campaigns": list(campaigns_overview()), "form": form, "nav": "programme"},
        status=400 if form.errors else 200,
    )


@login_required
def award_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_office(request.user, pk)
    form = CategoryForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.category_create(
                actor=request.user,
                campaign=campaign,
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                is_label=data["is_label"],
            )
        except services.RecognitionError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("The category was added."))
            return redirect("award_campaign", pk=campaign.pk)
    categories = list(
        Category.objects.filter(campaign=campaign).prefetch_related("criteria", "candidates")
    )
    return render(
        request,
        "recognition/campaign.html",
        {
            "campaign": campaign,
            "categories": categories,
            "form": form,
            "next_phase": services.next_phase(campaign),
            "next_phase_label": dict(Phase.choices).get(services.next_phase(campaign) or ""),
            "nav": "programme",
        },
        status=400 if form.errors else 200,
    )


@login_required
def award_campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_office(request.user, pk)
    form = CampaignEditForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.campaign_update(
                actor=request.user,
                campaign=AwardCampaign.objects.get(pk=pk),
                name=data["name"],
                description=data["description"],
                member_vote=data["member_vote"],
            )
        except services.RecognitionError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("The campaign was saved."))
            return redirect("award_campaign", pk=pk)
    return render(
        request,
        "recognition/campaign_edit.html",
        {"campaign": AwardCampaign.objects.get(pk=pk), "form": form, "nav": "programme"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def award_campaign_phase(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_for_office(request.user, pk)
    try:
        campaign = services.campaign_advance(
            actor=request.user, campaign=campaign, to=request.POST.get("to", "")
        )
    except services.RecognitionError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The campaign is now at this phase: %(phase)s.")
            % {"phase": campaign.get_phase_display()},
        )
    return redirect("award_campaign", pk=campaign.pk)


@login_required
def award_criterion_new(request: HttpRequest, pk: int) -> HttpResponse:
    category = category_for_office(request.user, pk)
    form = CriterionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source, metric = form.source_and_metric()
        try:
            services.criterion_create(
                actor=request.user,
                category=category,
                source=source,
                metric=metric,
                operator=form.cleaned_data["operator"],
                threshold=form.cleaned_data["threshold"],
            )
        except services.RecognitionError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("The criterion was added."))
            return redirect("award_campaign", pk=category.campaign_id)
    return render(
        request,
        "recognition/criterion_form.html",
        {"category": category, "campaign": category.campaign, "form": form, "nav": "programme"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def award_criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = criterion_for_office(request.user, pk)
    campaign_pk = criterion.category.campaign_id
    try:
        services.criterion_delete(actor=request.user, criterion=criterion)
    except services.RecognitionError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The criterion was removed."))
    return redirect("award_campaign", pk=campaign_pk)


@login_required
def award_jury(request: HttpRequest, pk: int) -> HttpResponse:
    category = category_for_office(request.user, pk)
    campaign = category.campaign
    rows = nominations_of(category)
    eligibility = {
        e.candidate.pk: e for e in category_eligibility(category, [r["candidate"] for r in rows])
    }
    # Vote results only once the vote is closed: nobody, the jury included, reads a
    # running count that could sway the last voters or reveal early votes.
    vote_closed = campaign.member_vote and campaign.phase in (Phase.JURY, Phase.PUBLISHED)
    votes = vote_results(category) if vote_closed else {}
    items: list[dict[str, Any]] = [
        {
            **row,
            "eligibility": eligibility[row["candidate"].pk],
            "votes": votes.get(row["candidate"].pk, 0),
        }
        for row in rows
    ]
    return render(
        request,
        "recognition/jury.html",
        {
            "category": category,
            "campaign": campaign,
            "items": items,
            "criteria": list(category.criteria.all()),
            "vote_closed": vote_closed,
            "total_votes": sum(votes.values()),
            "can_decide": campaign.phase == Phase.JURY,
            "decision_form": DecisionForm(),
            "nav": "programme",
        },
    )


@login_required
@require_POST
def award_decide(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = candidate_for_office(request.user, pk)
    form = DecisionForm(request.POST)
    winner = request.POST.get("winner") == "1"
    if not form.is_valid():
        messages.error(request, _("The citation is too long."))
    else:
        try:
            services.winner_set(
                actor=request.user,
                candidate=candidate,
                is_winner=winner,
                citation=form.cleaned_data["citation"],
            )
        except services.RecognitionError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("%(name)s is a winner.") % {"name": candidate}
                if winner
                else _("%(name)s is no longer a winner.") % {"name": candidate},
            )
    return redirect("award_jury", pk=candidate.category_id)
