"""Who may use coaching, built on trellis.core.access.

- the programme office runs coaching: sessions, the catalogue, everyone's records;
- leaders, co-leaders and core team members (the community's animators) use the coaching
  space: their own sessions, their self-assessment, and the catalogue;
- a coaching session is read by its leader and its coach, edited by the office; anybody
  else gets 404 (a session is private);
- the training catalogue is open to every employee (a future leader reads it too).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from trellis.coaching.models import CoachingSession
from trellis.communities.models import LEADER_ROLES, Membership, Role
from trellis.core.access import User, is_programme_office, person_for_user
from trellis.people.models import Person

ANIMATOR_ROLES = (*LEADER_ROLES, Role.CORE_TEAM)


def is_animator(user: User) -> bool:
    person = person_for_user(user)
    if person is None:
        return False
    cached = getattr(user, "_trellis_animator", None)
    if cached is None:
        cached = Membership.objects.filter(
            person=person, left__isnull=True, role__in=ANIMATOR_ROLES
        ).exists()
        user._trellis_animator = cached  # type: ignore[union-attr]
    return bool(cached)


def require_coaching_user(user: User) -> None:
    if not (is_programme_office(user) or is_animator(user)):
        raise PermissionDenied


def require_self_assessor(user: User) -> Person:
    """The person assessing themselves: an animator with a directory entry."""
    person = person_for_user(user)
    if person is None or not is_animator(user):
        raise PermissionDenied
    return person


def session_for_user(user: User, pk: int) -> CoachingSession:
    if not user.is_authenticated:
        raise PermissionDenied
    session = CoachingSession.objects.select_related("leader", "coach").filter(pk=pk).first()
    if session is None:
        raise Http404
    if is_programme_office(user):
        return session
    person = person_for_user(user)
    if person is None or person.pk not in (session.leader_id, session.coach_id):
        raise Http404
    return session


def person_for_office(user: User, pk: int) -> Person:
    if not is_programme_office(user):
        raise PermissionDenied
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    return person
