"""Who sees and fills health checks, and who has a sponsor portfolio.

- A community's health (status, reasons, questionnaire answers, history) is read by the
  programme office and by the community's sponsor, leaders, co-leaders and core team: it
  talks about the leader's difficulties, so ordinary members and other employees do not
  see it (403; 404 for a community that does not exist).
- The questionnaire is the leaders' own view: leaders and co-leaders fill it in.
- The programme view and the maturity diagnostic are programme-office tools.
- The portfolio is for people who sponsor at least one community.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from trellis.communities.models import LEADER_ROLES, Community, Membership, Role
from trellis.core.access import (
    User,
    community_for_user,
    is_programme_office,
    person_for_user,
    roles_in,
)

HEALTH_READER_ROLES = {Role.SPONSOR, Role.CORE_TEAM, *LEADER_ROLES}


def can_read_health(user: User, community: Community) -> bool:
    return is_programme_office(user) or bool(roles_in(user, community) & HEALTH_READER_ROLES)


def can_fill_health_check(user: User, community: Community) -> bool:
    return bool(roles_in(user, community) & set(LEADER_ROLES))


def health_community_for_user(user: User, slug: str, *, fill: bool = False) -> Community:
    """The community whose health the user may read (or fill in, with fill=True)."""
    community = community_for_user(user, slug)
    allowed = can_fill_health_check if fill else can_read_health
    if not allowed(user, community):
        raise PermissionDenied
    return community


def sponsored_communities(user: User) -> QuerySet[Community]:
    """The communities the user sponsors now (empty for anyone else)."""
    person = person_for_user(user)
    if person is None:
        return Community.objects.none()
    return Community.objects.filter(
        pk__in=Membership.objects.filter(
            person=person, role=Role.SPONSOR, left__isnull=True
        ).values("community")
    )


def require_sponsor(user: User) -> QuerySet[Community]:
    if not user.is_authenticated:
        raise PermissionDenied
    communities = sponsored_communities(user)
    if not communities.exists():
        raise PermissionDenied
    return communities
