"""Pages of communication: news, the newsletter (archive, drafts, sending), subscriptions,
feeds and the landing page. Access goes through trellis.comms.access."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trellis.comms import access, selectors, services
from trellis.comms.forms import NewsForm, NewsletterDraftForm, NewsletterEditForm
from trellis.comms.models import Newsletter, NewsPost
from trellis.communities.models import Community, Membership, Stage
from trellis.communities.views import _community_context as community_header_context
from trellis.core.access import community_for_user, person_for_user, require_programme_office

PAGE_SIZE = 20
LANDING_SIZE = 60


# --- News -----------------------------------------------------------------------------------------


@login_required
def news_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.visible_news(), PAGE_SIZE).get_page(request.GET.get("page"))
    preparing = list(selectors.news_in_preparation(request.user)[:50])
    return render(
        request,
        "comms/news_list.html",
        {
            "page": page,
            "querystring": "",
            "preparing": preparing,
            "can_write_programme": access.can_write_news(request.user, None),
            "nav": "news",
        },
    )


@login_required
def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = access.news_for_user(request.user, pk)
    return render(
        request,
        "comms/news_detail.html",
        {
            "post": post,
            "can_edit": access.can_write_news(request.user, post.community),
            "nav": "news",
        },
    )


def _news_form(
    request: HttpRequest,
    *,
    community: Community | None,
    post: NewsPost | None = None,
    with_community: bool = False,
) -> HttpResponse:
    initial: dict[str, Any] = {"status": NewsPost.Status.DRAFT}
    if post is not None:
        initial = {
            "title": post.title,
            "body": post.body,
            "status": post.status,
            "publish_at": timezone.localtime(post.publish_at),
        }
    form = NewsForm(request.POST or None, initial=initial, with_community=with_community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data.get("community") if with_community else community
        try:
            if post is None:
                if not access.can_write_news(request.user, target):
                    raise PermissionDenied
                post = services.news_create(
                    actor=request.user,
                    title=data["title"],
                    body=data["body"],
                    community=target,
                    status=data["status"],
                    publish_at=data["publish_at"],
                )
            else:
                services.news_update(
                    actor=request.user,
                    post=post,
                    title=data["title"],
                    body=data["body"],
                    status=data["status"],
                    publish_at=data["publish_at"],
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("News post saved."))
            return redirect(post)
    return render(
        request,
        "comms/news_form.html",
        {"form": form, "post": post, "community": community, "nav": "news"},
    )


@login_required
def news_create(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    return _news_form(request, community=None, with_community=True)


@login_required
def community_news_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug, write=True)
    return _news_form(request, community=community)


@login_required
def news_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = access.news_for_user(request.user, pk, write=True)
    return _news_form(request, community=post.community, post=post)


@login_required
@require_POST
def news_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = access.news_for_user(request.user, pk, write=True)
    community = post.community
    services.news_delete(actor=request.user, post=post)
    messages.success(request, _("News post deleted."))
    if community is not None:
        return redirect("community_news", slug=community.slug)
    return redirect("news_list")


@login_required
def community_news(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_for_user(request.user, slug)
    context = community_header_context(request, community, "news")
    page = Paginator(selectors.visible_news(community=community), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_write = access.can_write_news(request.user, community)
    preparing = (
        list(selectors.news_in_preparation(request.user).filter(community=community)[:50])
        if can_write
        else []
    )
    context.update(
        {"page": page, "querystring": "", "can_write": can_write, "preparing": preparing}
    )
    return render(request, "comms/community_news.html", context)


# --- Newsletter: archive (everyone) and office tools ----------------------------------------------


@login_required
def newsletter_archive(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.sent_issues(), PAGE_SIZE).get_page(request.GET.get("page"))
    person = person_for_user(request.user)
    return render(
        request,
        "comms/newsletter_archive.html",
        {
            "page": page,
            "querystring": "",
            "subscribed": selectors.is_subscribed(person) if person else None,
            "nav": "news",
        },
    )


@login_required
def newsletter_issue(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access.newsletter_for_user(request.user, pk)
    return render(
        request,
        "comms/newsletter_issue.html",
        {"issue": issue, "items": services.issue_items(issue), "base_url": "", "nav": "news"},
    )


@login_required
def newsletter_drafts(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    form = NewsletterDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.newsletter_draft(
                actor=request.user,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft ready: check it, edit it, then send it."))
            return redirect("newsletter_edit", pk=issue.pk)
    issues = Newsletter.objects.annotate(
        item_count=Count("items", distinct=True),
        delivered=Count("deliveries", filter=Q(deliveries__sent_at__isnull=False), distinct=True),
    ).order_by("-created_at", "-pk")[:100]
    return render(
        request,
        "comms/newsletter_drafts.html",
        {
            "form": form,
            "issues": issues,
            "recipients": selectors.recipients().count(),
            "nav": "programme",
        },
    )


def _positions(request: HttpRequest) -> tuple[list[int], set[int]]:
    """Item ids in the order typed in their position boxes, and those ticked for removal."""
    ranked: list[tuple[int, int]] = []
    for key in request.POST:
        if key.startswith("position-"):
            pk, position = key.removeprefix("position-"), request.POST.get(key, "").strip()
            if pk.isdigit() and position.isdigit():
                ranked.append((int(position), int(pk)))
    remove = {int(v) for v in request.POST.getlist("remove") if v.isdigit()}
    return [pk for _position, pk in sorted(ranked)], remove


@login_required
def newsletter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access.newsletter_for_user(request.user, pk, write=True)
    form = NewsletterEditForm(
        request.POST or None, initial={"title": issue.title, "intro": issue.intro}
    )
    if request.method == "POST" and issue.status == Newsletter.Status.DRAFT and form.is_valid():
        order, remove = _positions(request)
        try:
            services.newsletter_update(
                actor=request.user,
                newsletter=issue,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
                order=order,
                remove=remove,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("newsletter_edit", pk=issue.pk)
    return render(
        request,
        "comms/newsletter_edit.html",
        {
            "issue": issue,
            "form": form,
            "items": services.issue_items(issue),
            "recipients": selectors.recipients().count(),
            "nav": "programme",
        },
    )


@login_required
@require_POST
def newsletter_send(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access.newsletter_for_user(request.user, pk, write=True)
    try:
        count = services.newsletter_send(
            actor=request.user, newsletter=issue, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("newsletter_edit", pk=issue.pk)
    messages.success(
        request,
        ngettext(
            "The issue is on its way to %(count)s person.",
            "The issue is on its way to %(count)s people.",
            count,
        )
        % {"count": count},
    )
    return redirect("newsletter_drafts")


# --- Subscriptions --------------------------------------------------------------------------------


@login_required
def newsletter_subscription(request: HttpRequest) -> HttpResponse:
    """A logged-in person's own subscription: see it and change it in one click."""
    person = person_for_user(request.user)
    if person is None:
        raise PermissionDenied
    if request.method == "POST":
        subscribed = request.POST.get("subscribed") == "1"
        services.subscription_set(actor=request.user, person=person, subscribed=subscribed)
        messages.success(
            request,
            _("You receive the newsletter.")
            if subscribed
            else _("You no longer receive the newsletter."),
        )
        return redirect("newsletter_subscription")
    return render(
        request,
        "comms/subscription.html",
        {"subscribed": selectors.is_subscribed(person), "nav": "news"},
    )


@csrf_exempt  # RFC 8058: mail clients POST to the List-Unsubscribe link without a CSRF token
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link of every e-mail: one click unsubscribes, without a login (the signed token
    names the person). GET does it too, since the issue asks for one click."""
    person = services.person_for_token(token)
    if person is None:
        raise Http404
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    services.subscription_set(actor=None, person=person, subscribed=False)
    if request.method == "POST" and "List-Unsubscribe" in request.POST:
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
    return render(request, "comms/unsubscribed.html", {"token": token, "person": person})


@require_POST
def newsletter_resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Undo an unsubscription from the page the link led to (no login either)."""
    person = services.person_for_token(token)
    if person is None:
        raise Http404
    services.subscription_set(actor=None, person=person, subscribed=True)
    return render(request, "comms/resubscribed.html", {"person": person})


# --- Landing page -------------------------------------------------------------------------------


def landing(request: HttpRequest) -> HttpResponse:
    """The catalogue's welcome page for employees who are not members yet.

    Without a login only when COMMS_PUBLIC_LANDING is on (an intranet where the network
    already is the gate); otherwise it needs a login like every page.
    """
    if not request.user.is_authenticated and not access.landing_is_public():
        return redirect_to_login(request.get_full_path())
    open_communities = Community.objects.filter(stage__in=[Stage.ACTIVE, Stage.INCUBATING])
    # Newest first (those still looking for members); members counted for the shown ones
    # only, so the page costs the same with 50 or 5,000 communities.
    members = (
        Membership.objects.filter(community=OuterRef("pk"), left__isnull=True)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    communities = open_communities.annotate(members=Coalesce(Subquery(members), 0)).order_by(
        F("launched").desc(nulls_last=True), "name"
    )
    person = person_for_user(request.user)
    mine = (
        set(
            Membership.objects.filter(person=person, left__isnull=True).values_list(
                "community_id", flat=True
            )
        )
        if person
        else set()
    )
    return render(
        request,
        "comms/landing.html",
        {
            "communities": list(communities[:LANDING_SIZE]),
            "community_count": open_communities.count(),
            "news": list(selectors.visible_news(programme_only=True)[:3]),
            "mine": mine,
            "nav": "home",
        },
    )
