"""Who may see and change letters, escalations and resource requests.

Built on trellis/core/access.py. The rules:
- letters: the office manages them; the person and their manager read them; only the
  person's manager signs (in the app, or from the e-mailed link without an account);
- escalations: known ONLY to the person who raised it, the office and the assigned
  mediator; anyone else gets 404, as if it did not exist;
- resource requests: leaders of the community request and read; the community's sponsor
  reads; the office decides.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from trellis.communities.models import LEADER_ROLES, Community, Membership, Role
from trellis.core.access import User, is_programme_office, person_for_user, roles_in
from trellis.programme.models import EngagementLetter, Escalation, ResourceRequest


def _login_required(user: User) -> None:
    # Views are wrapped in login_required; this guards the helpers when used elsewhere.
    if not user.is_authenticated:
        raise PermissionDenied


# --- Letters ----------------------------------------------------------------------------------


def letters_for_user(user: User) -> QuerySet[EngagementLetter]:
    """The letters the user may read: all for the office, else theirs and those to sign."""
    qs = EngagementLetter.objects.select_related("person", "community", "manager")
    if is_programme_office(user):
        return qs
    person = person_for_user(user)
    if person is None:
        return qs.none()
    return qs.filter(Q(person=person) | Q(manager=person))


def letter_for_user(user: User, pk: int) -> EngagementLetter:
    """A letter the user may read; 404 for any other (a letter tells about a person)."""
    _login_required(user)
    letter = letters_for_user(user).filter(pk=pk).first()
    if letter is None:
        raise Http404
    return letter


def letter_for_office(user: User, pk: int) -> EngagementLetter:
    """A letter to manage: the office only (403 for those who may read it, else 404)."""
    letter = letter_for_user(user, pk)
    if not is_programme_office(user):
        raise PermissionDenied
    return letter


def letter_for_signer(user: User, pk: int) -> EngagementLetter:
    """A letter the user signs in the app: only the manager named on the letter."""
    letter = letter_for_user(user, pk)
    person = person_for_user(user)
    if person is None or letter.manager_id != person.pk:
        raise PermissionDenied
    return letter


# --- Escalations ------------------------------------------------------------------------------


def escalations_for_user(user: User) -> QuerySet[Escalation]:
    qs = Escalation.objects.select_related("raised_by", "community", "mediator")
    if is_programme_office(user):
        return qs
    person = person_for_user(user)
    if person is None:
        return qs.none()
    return qs.filter(Q(raised_by=person) | Q(mediator=person))


def escalation_for_user(user: User, pk: int) -> Escalation:
    """An escalation the user may know about; 404 for every other, whoever asks."""
    _login_required(user)
    escalation = escalations_for_user(user).filter(pk=pk).first()
    if escalation is None:
        raise Http404
    return escalation


def can_handle_escalation(user: User, escalation: Escalation) -> bool:
    """The office and the assigned mediator update the status and the resolution."""
    if is_programme_office(user):
        return True
    person = person_for_user(user)
    return person is not None and escalation.mediator_id == person.pk


def escalation_for_handler(user: User, pk: int) -> Escalation:
    escalation = escalation_for_user(user, pk)
    if not can_handle_escalation(user, escalation):
        raise PermissionDenied
    return escalation


def escalation_for_office(user: User, pk: int) -> Escalation:
    escalation = escalation_for_user(user, pk)
    if not is_programme_office(user):
        raise PermissionDenied
    return escalation


def communities_to_escalate(user: User) -> QuerySet[Community]:
    """Where the user may raise a problem: communities of their active memberships
    (any role); the office may raise one for any community."""
    if is_programme_office(user):
        return Community.objects.all()
    person = person_for_user(user)
    if person is None:
        return Community.objects.none()
    return Community.objects.filter(
        pk__in=Membership.objects.filter(person=person, left__isnull=True).values("community")
    )


def require_escalation_raiser(user: User) -> None:
    _login_required(user)
    if not communities_to_escalate(user).exists():
        raise PermissionDenied


# --- Resources --------------------------------------------------------------------------------


RESOURCE_READERS = (*LEADER_ROLES, Role.SPONSOR)


def communities_led(user: User) -> QuerySet[Community]:
    """Communities the user may request resources for (the office: all)."""
    if is_programme_office(user):
        return Community.objects.all()
    person = person_for_user(user)
    if person is None:
        return Community.objects.none()
    return Community.objects.filter(
        pk__in=Membership.objects.filter(
            person=person, left__isnull=True, role__in=LEADER_ROLES
        ).values("community")
    )


def resources_for_user(user: User) -> QuerySet[ResourceRequest]:
    qs = ResourceRequest.objects.select_related("community")
    if is_programme_office(user):
        return qs
    person = person_for_user(user)
    if person is None:
        return qs.none()
    return qs.filter(
        community__in=Membership.objects.filter(
            person=person, left__isnull=True, role__in=RESOURCE_READERS
        ).values("community")
    )


def resource_for_user(user: User, pk: int) -> ResourceRequest:
    """A request the user may read (its community's leaders and sponsor, the office).

    Members of the community get 403 (they know the community); anyone else 404.
    """
    _login_required(user)
    request = ResourceRequest.objects.select_related("community").filter(pk=pk).first()
    if request is None:
        raise Http404
    if is_programme_office(user):
        return request
    roles = roles_in(user, request.community)
    if not roles:
        raise Http404
    if not roles & set(RESOURCE_READERS):
        raise PermissionDenied
    return request


def require_resource_requester(user: User) -> None:
    _login_required(user)
    if not communities_led(user).exists():
        raise PermissionDenied
