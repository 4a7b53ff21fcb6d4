from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.communities.forms import split_list
from trellis.communities.views import _community_context as community_header_context
from trellis.core.access import (
    community_for_user,
    is_programme_office,
    person_for_user,
    require_programme_office,
)
from trellis.incubation import lifecycle, selectors, services, toolchoice
from trellis.incubation.access import can_tick_gates, proposal_for_user
from trellis.incubation.forms import (
    ArchiveForm,
    GateForm,
    ProposalForm,
    ReviewForm,
    ToolChecklistForm,
    ToolForm,
)
from trellis.incubation.models import Proposal, Tool


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def incubation_home(request: HttpRequest) -> HttpResponse:
    """Any employee: propose a community, and follow one's own proposals."""
    return render(
        request,
        "incubation/home.html",
        {
            "proposals": list(selectors.proposals_of(int(request.user.pk or 0))),
            "is_office": is_programme_office(request.user),
            "nav": "communities",
        },
    )


@login_required
def proposal_new(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None)
    similar: list[selectors.Similar] = []
    if request.method == "POST":
        similar = selectors.similar_communities(
            name=request.POST.get("name", ""),
            purpose=request.POST.get("purpose", ""),
            tags=split_list(request.POST.get("tags", "")),
            slug=request.POST.get("slug", "").strip().lower(),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = services.proposal_submit(
                    actor=request.user,
                    name=data["name"],
                    slug=data["slug"],
                    purpose=data["purpose"],
                    audience=data["audience"],
                    expected_value=data["expected_value"],
                    tags=data["tags"],
                    candidate_leader=data["candidate_leader"] or person_for_user(request.user),
                    candidate_sponsor=data["candidate_sponsor"],
                    business_units=list(data["business_units"]),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Proposal sent. The programme office will review it."))
                return redirect("proposal_detail", pk=proposal.pk)
    return render(
        request,
        "incubation/proposal_form.html",
        {"form": form, "similar": similar, "nav": "communities"},
    )


@login_required
def proposal_similar(request: HttpRequest) -> HttpResponse:
    """The similar communities for what is typed so far (htmx, while the form is filled)."""
    similar = selectors.similar_communities(
        name=request.GET.get("name", "")[:200],
        purpose=request.GET.get("purpose", "")[:500],
        tags=split_list(request.GET.get("tags", "")[:1000]),
        slug=request.GET.get("slug", "").strip().lower()[:100],
    )
    return render(request, "incubation/_similar.html", {"similar": similar, "asked": True})


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_for_user(request.user, pk)
    office = is_programme_office(request.user)
    context = {
        "proposal": proposal,
        "business_units": list(proposal.business_units.all()),
        "is_office": office,
        "can_tick": can_tick_gates(request.user, proposal),
        "nav": "programme" if office else "communities",
    }
    if proposal.status == Proposal.Status.SUBMITTED and office:
        context["review_form"] = ReviewForm()
        context["similar"] = selectors.similar_communities(
            name=proposal.name,
            purpose=proposal.purpose,
            tags=proposal.tag_list,
            slug=proposal.slug,
        )
    if proposal.status in (Proposal.Status.INCUBATING, Proposal.Status.LAUNCHED):
        context["gates"] = selectors.gates(proposal)
        context["gate_form"] = GateForm()
    return render(request, "incubation/proposal_detail.html", context)


@login_required
@require_POST
def proposal_review(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_for_user(request.user, pk)  # 404 first: its existence is private
    require_programme_office(request.user)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                if field == "__all__":
                    messages.error(request, str(error))
                else:
                    messages.error(
                        request,
                        _("%(field)s: %(error)s") % {"field": form[field].label, "error": error},
                    )
        return redirect("proposal_detail", pk=proposal.pk)
    data = form.cleaned_data
    try:
        if data["decision"] == "accept":
            services.proposal_accept(actor=request.user, proposal=proposal, reason=data["reason"])
            messages.success(request, _("Proposal accepted: the community is in incubation."))
        elif data["decision"] == "reject":
            services.proposal_reject(actor=request.user, proposal=proposal, reason=data["reason"])
            messages.success(request, _("Proposal rejected."))
        else:
            services.proposal_merge(
                actor=request.user,
                proposal=proposal,
                target=data["target_community"],
                reason=data["reason"],
            )
            messages.success(request, _("Proposal merged into the existing community."))
    except ValidationError as error:
        _errors(request, error)
    return redirect("proposal_detail", pk=proposal.pk)


@login_required
@require_POST
def proposal_gate(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_for_user(request.user, pk, tick=True)
    form = GateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a stage gate and a valid date."))
        return redirect("proposal_detail", pk=proposal.pk)
    data = form.cleaned_data
    try:
        if data["undo"]:
            services.gate_untick(actor=request.user, proposal=proposal, gate=data["gate"])
        else:
            services.gate_tick(
                actor=request.user,
                proposal=proposal,
                gate=data["gate"],
                on=data["on"],
                note=data["note"],
            )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Stage gates saved."))
    return redirect("proposal_detail", pk=proposal.pk)


@login_required
@require_POST
def proposal_launch(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_for_user(request.user, pk)  # 404 first: its existence is private
    require_programme_office(request.user)
    try:
        services.proposal_launch(actor=request.user, proposal=proposal)
    except ValidationError as error:
        _errors(request, error)
        return redirect("proposal_detail", pk=proposal.pk)
    messages.success(request, _("The community is launched."))
    assert proposal.community is not None
    return redirect(proposal.community)


@login_required
def incubation_board(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return render(
        request,
        "incubation/board.html",
        {"columns": selectors.board(), "nav": "programme"},
    )


# --- Lifecycle care ---------------------------------------------------------------------


@login_required
def lifecycle_dormant(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return render(
        request,
        "incubation/dormant.html",
        {
            "communities": selectors.dormancy_page(),
            "months": settings.DORMANCY_MONTHS,
            "cutoff": selectors.dormancy_cutoff(timezone.localdate()),
            "nav": "programme",
        },
    )


@login_required
def community_archive(request: HttpRequest, slug: str) -> HttpResponse:
    """Close a community, or merge it into another one (office only)."""
    require_programme_office(request.user)
    community = community_for_user(request.user, slug, write=True)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "merge":
                lifecycle.community_merge(
                    actor=request.user,
                    source=community,
                    target=data["target_community"],
                    reason=data["reason"],
                    on=data["on"],
                )
                messages.success(
                    request,
                    _("%(source)s is merged into %(target)s.")
                    % {"source": community.name, "target": data["target_community"].name},
                )
                return redirect(data["target_community"])
            lifecycle.community_close(
                actor=request.user, community=community, reason=data["reason"], on=data["on"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The community is closed; its history is kept."))
            return redirect(community)
    context = community_header_context(request, community, "about")
    context.update(
        {
            "form": form,
            "spaces": list(community.spaces.all()),
            "nav": "programme",
        }
    )
    return render(request, "incubation/archive.html", context)


# --- Choosing a tool ----------------------------------------------------------------------


@login_required
def tool_choose(request: HttpRequest) -> HttpResponse:
    """The guided checklist (any employee); answers come by GET, nothing is stored."""
    form = ToolChecklistForm(request.GET or None)
    context: dict[str, object] = {"form": form, "nav": "communities"}
    tools = list(Tool.objects.filter(is_active=True))
    if form.is_valid():
        needs = form.needs()
        eligible, excluded = toolchoice.recommend(tools, needs)
        context.update(
            {
                "answered": True,
                "eligible": eligible,
                "excluded": excluded,
                "maximum": toolchoice.maximum(needs),
            }
        )
    context["no_tools"] = not tools
    context["is_office"] = is_programme_office(request.user)
    return render(request, "incubation/tool_choose.html", context)


@login_required
def tools_config(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return render(
        request,
        "incubation/tools.html",
        {"tools": list(Tool.objects.all()), "nav": "programme"},
    )


@login_required
def tool_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_programme_office(request.user)
    tool = None
    if pk is not None:
        tool = Tool.objects.filter(pk=pk).first()
        if tool is None:
            raise Http404
    # A fresh copy for the form: tool_save diffs against the saved row.
    instance = Tool.objects.get(pk=tool.pk) if tool is not None else None
    form = ToolForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ToolForm.Meta.fields}
        try:
            services.tool_save(actor=request.user, tool=tool, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Tool saved."))
            return redirect("tools_config")
    return render(
        request, "incubation/tool_form.html", {"form": form, "tool": tool, "nav": "programme"}
    )
