"""The person directory. Every employee reads names, jobs and places; contact and HR
fields (e-mail, employee id, manager, programme staff) are for the programme office only:
the API makes bulk copies easy, so it gives less than a page shows one person at a time."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from trellis.api.auth import READ
from trellis.api.errors import ERRORS, ObjectId
from trellis.api.pagination import PageParams, envelope, page_of
from trellis.core.access import is_programme_office, person_for_user_view
from trellis.people.models import Person

router = Router(tags=["people"])


class ManagerRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str
    job_title: str
    business_unit: str | None
    site: str
    country: str
    url: str
    # Office only: absent from the response for anyone else.
    email: str | None = Field(None, description="programme office only")
    employee_id: str | None = Field(None, description="programme office only")
    manager: ManagerRef | None = Field(None, description="programme office only")
    is_programme_staff: bool | None = Field(None, description="programme office only")
    is_active: bool | None = Field(None, description="programme office only")


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[PersonOut]


class PeopleFilters(Schema):
    q: str = Field(
        "",
        max_length=200,
        description="words in the name, job or site (and e-mail, for the office)",
    )
    business_unit: int | None = Field(None, ge=1, le=2**63 - 1)
    include_inactive: bool = Field(False, description="people who left (office only)")


def person_out(p: Person, request: HttpRequest, *, private: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": p.pk,
        "name": p.name,
        "job_title": p.job_title,
        "business_unit": p.business_unit.name if p.business_unit else None,
        "site": p.site,
        "country": p.country,
        "url": request.build_absolute_uri(p.get_absolute_url()),
    }
    if private:
        data.update(
            email=p.email,
            employee_id=p.employee_id,
            manager={"id": p.manager.pk, "name": p.manager.name} if p.manager else None,
            is_programme_staff=p.is_programme_staff,
            is_active=p.is_active,
        )
    return data


@router.get(
    "/people",
    response={200: PersonPage, **ERRORS},
    auth=READ,
    url_name="api_people",
    exclude_unset=True,
    summary="List people (private fields for the office only)",
)
def people_list(
    request: HttpRequest, filters: Query[PeopleFilters], page: Query[PageParams]
) -> Any:
    private = is_programme_office(request.user)
    qs = Person.objects.select_related("business_unit")
    if private:
        qs = qs.select_related("manager")
    if not (private and filters.include_inactive):
        qs = qs.filter(is_active=True)
    for word in filters.q.split()[:5]:
        match = Q(name__icontains=word) | Q(job_title__icontains=word) | Q(site__icontains=word)
        if private:
            # Only those who see e-mails may search by them (no probing of addresses).
            match |= Q(email__icontains=word)
        qs = qs.filter(match)
    if filters.business_unit:
        qs = qs.filter(business_unit_id=filters.business_unit)
    count, items = page_of(qs.order_by("name", "id"), page)
    return envelope(count, page, [person_out(p, request, private=private) for p in items])


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **ERRORS},
    auth=READ,
    url_name="api_person",
    exclude_unset=True,
    summary="One person",
)
def person_detail(request: HttpRequest, person_id: ObjectId) -> Any:
    person = person_for_user_view(request.user, person_id)
    return person_out(person, request, private=is_programme_office(request.user))
