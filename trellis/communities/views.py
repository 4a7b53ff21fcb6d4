from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.communities import selectors, services
from trellis.communities.forms import (
    CatalogueFilterForm,
    CharterForm,
    CommunityForm,
    MemberAddForm,
    ObjectiveForm,
    RoleForm,
    StageForm,
    split_list,
)
from trellis.communities.models import CharterVersion, Community, Membership, Objective, Role
from trellis.core.access import (
    can_approve_charter,
    can_edit_community,
    charter_approver_for_user,
    community_for_user,
    is_programme_office,
    person_for_user,
    require_programme_office,
)

PAGE_SIZE = 24


def _errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def catalogue_view(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    filters = selectors.CatalogueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CatalogueFilters(
            q=data["q"] or "",
            stage=data["stage"] or "",
            business_unit=data["business_unit"].pk if data["business_unit"] else None,
            tag=data["tag"] or "",
            language=data["language"] or "",
            sort=data["sort"] or "name",
        )
    page = Paginator(selectors.catalogue(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    context = {
        "form": form,
        "page": page,
        "querystring": urlencode(params) + "&" if params else "",
        "nav": "communities",
        "filtered": bool(params),
    }
    is_htmx = bool(getattr(request, "htmx", False))
    template = "communities/_results.html" if is_htmx else "communities/catalogue.html"
    return render(request, template, context)


def _community_context(request: HttpRequest, community: Community, tab: str) -> dict[str, Any]:
    me = person_for_user(request.user)
    mine = services.active_membership(me, community) if me else None
    key_people = list(
        Membership.objects.filter(
            community=community,
            left__isnull=True,
            role__in=[Role.SPONSOR, Role.LEADER, Role.CO_LEADER],
        ).select_related("person")
    )
    key_people.sort(key=selectors.role_order)
    return {
        "community": community,
        "tab": tab,
        "nav": "communities",
        "my_membership": mine,
        "can_edit": can_edit_community(request.user, community),
        "can_approve": can_approve_charter(request.user, community),
        "is_office": is_programme_office(request.user),
        "key_people": key_people,
        "member_count": Membership.objects.filter(community=community, left__isnull=True).count(),
    }


@login_required
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    year = timezone.localdate().year
    context = _community_context(request, community, "about")
    charter = services.current_charter(community)
    context.update(
        {
            "charter": charter,
            "year": year,
            "objectives": list(
                community.objectives.filter(year__gte=year - 1).order_by("-year", "id")
            ),
            "tags": list(community.tags.all()),
            "business_units": list(community.business_units.all()),
            "spaces": list(community.spaces.all()),
            "history": list(community.stage_history.all()),
        }
    )
    return render(request, "communities/detail.html", context)


@login_required
def community_create_view(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = CommunityForm(
        request.POST or None, slug_taken=lambda s: Community.objects.filter(slug=s).exists()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = services.community_create(
            actor=request.user,
            name=data["name"],
            slug=data["slug"],
            purpose=data["purpose"],
            description=data["description"],
            languages=data["languages"],
            tags=split_list(data["tags"]),
            business_units=[bu.name for bu in data["business_units"]],
        )
        messages.success(request, _("Community created."))
        return redirect(community)
    return render(request, "communities/form.html", {"form": form, "nav": "communities"})


@login_required
def community_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    initial = {
        "name": community.name,
        "slug": community.slug,
        "purpose": community.purpose,
        "description": community.description,
        "tags": ", ".join(community.tags.values_list("name", flat=True)),
        "business_units": list(community.business_units.all()),
        "languages": community.language_list,
    }
    form = CommunityForm(
        request.POST or None,
        initial=initial,
        slug_taken=lambda s: Community.objects.filter(slug=s).exclude(pk=community.pk).exists(),
    )
    if not is_programme_office(request.user):
        # Addresses are shared on the ESN: only the programme office renames them.
        form.fields["slug"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.community_update(
            actor=request.user,
            community=community,
            name=data["name"],
            slug=data["slug"],
            purpose=data["purpose"],
            description=data["description"],
            languages="|".join(data["languages"]),
            tags=split_list(data["tags"]),
            business_units=[bu.name for bu in data["business_units"]],
        )
        messages.success(request, _("Community saved."))
        return redirect(community)
    return render(
        request,
        "communities/form.html",
        {"form": form, "community": community, "nav": "communities"},
    )


@login_required
def community_stage(request: HttpRequest, slug: str) -> HttpResponse:
    require_programme_office(request.user)
    community = community_for_user(request.user, slug, write=True)
    form = StageForm(request.POST or None, initial={"stage": community.stage})
    if request.method == "POST" and form.is_valid():
        try:
            services.community_set_stage(
                actor=request.user,
                community=community,
                stage=form.cleaned_data["stage"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Stage changed."))
            return redirect(community)
    context = _community_context(request, community, "about")
    context.update({"form": form, "history": list(community.stage_history.all())})
    return render(request, "communities/stage.html", context)


@login_required
@require_POST
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    me = person_for_user(request.user)
    if me is None:
        raise PermissionDenied
    if services.active_membership(me, community) is not None:
        messages.info(
            request, _("You are already a member of %(name)s.") % {"name": community.name}
        )
        return redirect(community)
    try:
        services.membership_add(actor=request.user, person=me, community=community)
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
    return redirect(community)


@login_required
@require_POST
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    me = person_for_user(request.user)
    membership = services.active_membership(me, community) if me else None
    if membership is None:
        raise PermissionDenied
    services.membership_end(actor=request.user, membership=membership)
    messages.success(request, _("You have left %(name)s.") % {"name": community.name})
    return redirect(community)


@login_required
def community_members_view(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    context = _community_context(request, community, "members")
    qs = selectors.community_members(community)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(person__name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context.update(
        {
            "page": page,
            "q": q,
            "querystring": urlencode({"q": q}) + "&" if q else "",
            "add_form": MemberAddForm(),
            "roles": _assignable_roles(request, community),
        }
    )
    return render(request, "communities/members.html", context)


def _assignable_roles(request: HttpRequest, community: Community) -> list[tuple[str, Any]]:
    """Leaders manage roles in their community; only the programme office names sponsors."""
    if is_programme_office(request.user):
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.SPONSOR]


@login_required
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    form = MemberAddForm(request.POST or None)
    form.fields["role"].choices = _assignable_roles(request, community)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(
                actor=request.user,
                person=form.cleaned_data["email"],
                community=community,
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Member added."))
            return redirect("community_members", slug=community.slug)
    context = _community_context(request, community, "members")
    context["form"] = form
    return render(request, "communities/member_add.html", context)


def _membership(community: Community, pk: int) -> Membership:
    membership = (
        Membership.objects.filter(community=community, pk=pk, left__isnull=True)
        .select_related("person")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    membership = _membership(community, pk)
    form = RoleForm(request.POST)
    form.fields["role"].choices = _assignable_roles(request, community)  # type: ignore[attr-defined]
    if membership.role == Role.SPONSOR and not is_programme_office(request.user):
        raise PermissionDenied
    if form.is_valid():
        services.membership_change_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
        messages.success(request, _("Role changed."))
    else:
        messages.error(request, _("Choose a valid role."))
    return redirect("community_members", slug=community.slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    membership = _membership(community, pk)
    if membership.role == Role.SPONSOR and not is_programme_office(request.user):
        raise PermissionDenied
    services.membership_end(actor=request.user, membership=membership)
    messages.success(
        request, _("%(name)s is no longer a member.") % {"name": membership.person.name}
    )
    return redirect("community_members", slug=community.slug)


@login_required
def charter_view(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    context = _community_context(request, community, "charter")
    versions = list(community.charters.select_related("approved_by").order_by("-year", "-version"))
    context.update({"versions": versions, "charter": versions[0] if versions else None})
    return render(request, "communities/charter.html", context)


@login_required
def charter_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    year = timezone.localdate().year
    current = services.current_charter(community)
    initial: dict[str, Any] = {"year": year}
    if current is not None:
        initial.update({f: getattr(current, f) for f in CharterVersion.TEXT_FIELDS})
    form = CharterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.charter_save(
            actor=request.user,
            community=community,
            year=data["year"],
            **{f: data[f] for f in CharterVersion.TEXT_FIELDS},
        )
        messages.success(request, _("Charter saved as a new version."))
        return redirect("charter", slug=community.slug)
    context = _community_context(request, community, "charter")
    context["form"] = form
    return render(request, "communities/charter_edit.html", context)


def _version(community: Community, pk: int) -> CharterVersion:
    version = community.charters.select_related("approved_by").filter(pk=pk).first()
    if version is None:
        raise Http404
    return version


@login_required
def charter_version_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug)
    version = _version(community, pk)
    previous = (
        community.charters.filter(year=version.year, version__lt=version.version)
        .order_by("-version")
        .first()
        or community.charters.filter(year__lt=version.year).order_by("-year", "-version").first()
    )
    latest = services.current_charter(community, version.year)
    context = _community_context(request, community, "charter")
    context.update(
        {
            "version": version,
            "previous": previous,
            "is_latest": latest is not None and latest.pk == version.pk,
            "diff": selectors.charter_diff(previous, version),
        }
    )
    return render(request, "communities/charter_version.html", context)


@login_required
@require_POST
def charter_approve_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = charter_approver_for_user(request.user, slug)
    version = _version(community, pk)
    try:
        services.charter_approve(
            actor=request.user, version=version, approver=person_for_user(request.user)
        )
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Charter approved."))
    return redirect("charter_version", slug=community.slug, pk=version.pk)


@login_required
def objective_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    form = ObjectiveForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        services.objective_save(actor=request.user, community=community, **form.cleaned_data)
        messages.success(request, _("Objective added."))
        return redirect(community)
    context = _community_context(request, community, "about")
    context["form"] = form
    return render(request, "communities/objective_form.html", context)


def _objective(community: Community, pk: int) -> Objective:
    objective = community.objectives.filter(pk=pk).first()
    if objective is None:
        raise Http404
    return objective


@login_required
def objective_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    objective = _objective(community, pk)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        services.objective_save(
            actor=request.user,
            community=community,
            objective=Objective.objects.get(pk=objective.pk),
            **form.cleaned_data,
        )
        messages.success(request, _("Objective saved."))
        return redirect(community)
    context = _community_context(request, community, "about")
    context.update({"form": form, "objective": objective})
    return render(request, "communities/objective_form.html", context)


@login_required
@require_POST
def objective_delete_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    services.objective_delete(actor=request.user, objective=_objective(community, pk))
    messages.success(request, _("Objective deleted."))
    return redirect(community)
