"""Who may see and act on proposals, built on trellis.core.access.

- any employee proposes a community and sees their own proposals;
- the candidate leader and sponsor see the proposals that name them;
- the leaders of an incubating community tick its stage gates;
- the programme office sees everything, reviews, launches, closes and merges.
Anybody else gets 404 for a proposal: its existence is not theirs to know.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from trellis.core.access import (
    User,
    can_edit_community,
    is_programme_office,
    person_for_user,
)
from trellis.incubation.models import Proposal


def can_read_proposal(user: User, proposal: Proposal) -> bool:
    if is_programme_office(user):
        return True
    if proposal.proposer_id is not None and proposal.proposer_id == user.pk:
        return True
    person = person_for_user(user)
    if person is not None and person.pk in (
        proposal.candidate_leader_id,
        proposal.candidate_sponsor_id,
    ):
        return True
    return proposal.community is not None and (
        proposal.status == Proposal.Status.INCUBATING
        and can_edit_community(user, proposal.community)
    )


def can_tick_gates(user: User, proposal: Proposal) -> bool:
    if proposal.status != Proposal.Status.INCUBATING or proposal.community is None:
        return False
    return is_programme_office(user) or can_edit_community(user, proposal.community)


def proposal_for_user(user: User, pk: int, *, tick: bool = False) -> Proposal:
    """The proposal, if the user may read it (or tick its gates, with tick=True)."""
    if not user.is_authenticated:
        raise PermissionDenied
    proposal = (
        Proposal.objects.select_related(
            "community", "candidate_leader", "candidate_sponsor", "proposer", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not can_read_proposal(user, proposal):
        raise Http404
    if tick and not can_tick_gates(user, proposal):
        raise PermissionDenied
    return proposal
