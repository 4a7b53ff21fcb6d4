"""The access helpers: the only door from a request to the objects it may see or change.

Every view, endpoint and command that acts for a user goes through these functions.
Rules (guide/product.md):
- the programme office reads and edits everything;
- leaders and co-leaders edit their community, its charter, objectives and memberships;
- sponsors approve their communities' charters;
- any employee (any logged-in user) reads the catalogue, people and joins communities;
- anonymous visitors see nothing but the login page.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from trellis.communities.models import LEADER_ROLES, Community, Membership, Role
from trellis.people.models import Person

PROGRAMME_OFFICE_GROUP = "programme office"

User = AbstractBaseUser | AnonymousUser


def is_programme_office(user: User) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_trellis_is_office", None)
    if cached is None:
        cached = bool(
            getattr(user, "is_superuser", False)
            or user.groups.filter(name=PROGRAMME_OFFICE_GROUP).exists()  # type: ignore[attr-defined]
        )
        user._trellis_is_office = cached  # type: ignore[attr-defined]
    return cached


def require_programme_office(user: User) -> None:
    if not is_programme_office(user):
        raise PermissionDenied


def person_for_user(user: User) -> Person | None:
    """The directory entry linked to this login, or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_trellis_person"):
        user._trellis_person = Person.objects.filter(user_id=user.pk).first()  # type: ignore[attr-defined]
    return user._trellis_person  # type: ignore[attr-defined]


def roles_in(user: User, community: Community) -> set[str]:
    """The roles of the user's active memberships in the community."""
    person = person_for_user(user)
    if person is None:
        return set()
    cache: dict[int, set[str]] = getattr(user, "_trellis_roles", {})
    if community.pk not in cache:
        cache[community.pk] = set(
            Membership.objects.filter(
                person=person, community=community, left__isnull=True
            ).values_list("role", flat=True)
        )
        user._trellis_roles = cache  # type: ignore[union-attr]
    return cache[community.pk]


def can_edit_community(user: User, community: Community) -> bool:
    return is_programme_office(user) or bool(roles_in(user, community) & set(LEADER_ROLES))


def can_approve_charter(user: User, community: Community) -> bool:
    return is_programme_office(user) or Role.SPONSOR in roles_in(user, community)


def community_for_user(user: User, slug: str, *, write: bool = False) -> Community:
    """The community with this slug, if the user may read it (or edit it, with write=True).

    Raises Http404 when it does not exist and PermissionDenied when it is not the user's.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    if write and not can_edit_community(user, community):
        raise PermissionDenied
    return community


def charter_approver_for_user(user: User, slug: str) -> Community:
    community = community_for_user(user, slug)
    if not can_approve_charter(user, community):
        raise PermissionDenied
    return community


def person_for_user_view(user: User, pk: int) -> Person:
    """A person of the directory; any employee may look people up to find experts."""
    if not user.is_authenticated:
        raise PermissionDenied
    person = Person.objects.select_related("business_unit", "manager").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


DASHBOARD_ROLES = (Role.SPONSOR, *LEADER_ROLES)


def can_see_dashboard(user: User) -> bool:
    """The programme dashboard and its exports: the office, sponsors, leaders and co-leaders.

    Sponsors read it to steer; leaders see where their community stands among the others.
    Its figures are programme aggregates and per-community KPIs, never about a person.
    """
    if not user.is_authenticated:
        return False
    if is_programme_office(user):
        return True
    cached = getattr(user, "_trellis_dashboard", None)
    if cached is None:
        person = person_for_user(user)
        cached = person is not None and (
            Membership.objects.filter(
                person=person, left__isnull=True, role__in=DASHBOARD_ROLES
            ).exists()
        )
        user._trellis_dashboard = cached  # type: ignore[attr-defined]
    return cached


def require_dashboard_reader(user: User) -> None:
    if not can_see_dashboard(user):
        raise PermissionDenied
