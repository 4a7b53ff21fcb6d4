from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from trellis.communities.models import Membership
from trellis.core.access import is_programme_office, person_for_user_view
from trellis.people.models import Person


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:200]
    qs = Person.objects.filter(is_active=True).select_related("business_unit")
    if q:
        for word in q.split()[:5]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(email__icontains=word)
                | Q(job_title__icontains=word)
                | Q(site__icontains=word)
            )
    page = Paginator(qs.order_by("name", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/directory.html",
        {"page": page, "q": q, "querystring": urlencode({"q": q}) + "&" if q else "", "nav": "people"},
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_for_user_view(request.user, pk)
    memberships = (
        Membership.objects.filter(person=person)
        .select_related("community")
        .order_by("left", "community__name")
    )
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "current": [m for m in memberships if m.left is None],
            "past": [m for m in memberships if m.left is not None],
            "show_private": is_programme_office(request.user),
            "nav": "people",
        },
    )
