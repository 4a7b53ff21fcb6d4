from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trellis.communities.selectors import (
    ProgrammeGlance,
    charters_to_approve,
    my_communities,
    programme_glance,
)
from trellis.core import login_limit
from trellis.core.access import person_for_user, require_programme_office
from trellis.core.attention import attention_for
from trellis.core.audit import audit_record, diff_fields
from trellis.core.forms import ProgrammeSettingsForm
from trellis.core.middleware import SUPPORTED
from trellis.core.models import AuditEntry, ProgrammeSettings
from trellis.kpis.services import sheet_year_default
from trellis.stories.access import reviewable_stories
from trellis.stories.selectors import latest_stories


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


GLANCE_SECONDS = 300


def _cached_glance(year: int, version: int) -> ProgrammeGlance:
    """The home tiles, cached per data version.

    Counting distinct members over every membership costs about a second at `large`
    scale, on every home page view. Every write is audited, so the newest audit entry's id
    is a version of the data: any write, bulk imports included, changes the key. Writes
    that bypass the audit trail (the Django admin) show up within GLANCE_SECONDS.
    """
    key = f"trellis:glance:{year}:{version}"
    glance: ProgrammeGlance | None = cache.get(key)
    if glance is None:
        glance = programme_glance(year, dt.date(year, 12, 31))
        cache.set(key, glance, GLANCE_SECONDS)
    return glance


@login_required
def home(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    version = AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0
    glance = _cached_glance(year, version)
    previous = _cached_glance(year - 1, version)
    me = person_for_user(request.user)
    mine = list(my_communities(me)[:50])
    return render(
        request,
        "core/home.html",
        {
            "year": year,
            "glance": glance,
            "previous": previous,
            "to_approve": list(charters_to_approve(me)[:20]),
            "mine": mine,
            # Sponsors get a link to their portfolio (trellis/health).
            "sponsors": any(m.role == "sponsor" for m in mine),
            # trellis/stories: a fixed number of queries whatever the number of stories.
            "latest_stories": list(latest_stories(4)),
            "stories_to_review": reviewable_stories(request.user).count(),
            "attention": attention_for(me, year=sheet_year_default()),
        },
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


def login_view(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    locked = False
    if request.method == "POST":
        username = request.POST.get("username", "")
        ip = login_limit.client_ip(request)
        if login_limit.is_locked(username, ip):
            locked = True
            form = AuthenticationForm(request)
        elif form.is_valid():
            login_limit.clear_failures(username)
            login(request, form.get_user())  # login() cycles the session key
            return redirect(_safe_next(request))
        else:
            login_limit.record_failure(username, ip)
    return render(
        request,
        "core/login.html",
        {"form": form, "locked": locked, "next": request.GET.get("next", "")},
        status=429 if locked else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session
    return redirect("login")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if code not in SUPPORTED:
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    person = person_for_user(request.user)
    if person is not None and person.language != code:
        old = person.language
        person.language = code
        person.save(update_fields=["language", "updated_at"])
        audit_record(
            actor=request.user,
            action="person.language",
            obj=person,
            changes={"language": [old, code]},
        )
    return response


# Office tools that other apps add to the programme home: (url name, title, text).
PROGRAMME_TOOLS: list[tuple[str, str, str]] = []


@login_required
def programme_home(request: HttpRequest) -> HttpResponse:
    from django.urls import reverse
    from django.utils.translation import gettext

    require_programme_office(request.user)
    tools = [
        {"url": reverse(name), "title": gettext(title), "text": gettext(text)}
        for name, title, text in PROGRAMME_TOOLS
    ]
    return render(request, "core/programme_home.html", {"tools": tools, "nav": "programme"})


def theme_css(request: HttpRequest) -> HttpResponse:
    """The programme's primary colour as a stylesheet (inline styles are barred by the CSP)."""
    colour = ProgrammeSettings.load().primary_colour
    body = f":root {{ --primary: {colour}; }}\n"
    response = HttpResponse(body, content_type="text/css")
    response["Cache-Control"] = "max-age=300"
    return response


@login_required
def programme_settings(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    current = ProgrammeSettings.load()
    before = ProgrammeSettings.load()
    form = ProgrammeSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            changes = diff_fields(before, saved, list(ProgrammeSettingsForm.Meta.fields))
            if changes:
                audit_record(
                    actor=request.user, action="programme.settings", obj=saved, changes=changes
                )
        messages.success(request, _("Programme settings saved."))
        return redirect("programme_settings")
    return render(request, "core/programme_settings.html", {"form": form})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_programme_office(request.user)
    qs = AuditEntry.objects.all()
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "action": action})
