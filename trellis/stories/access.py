"""Who may see and move a story through its review, built on the core access helpers.

- any employee (logged-in user) reads published stories;
- members (any role) write stories for communities they belong to; the author edits a
  draft; the programme office edits any draft;
- leaders and co-leaders of one of the story's communities validate a submitted story;
- the programme office, or a sponsor of one of the story's communities, approves a
  validated story and publishes an approved one;
- whoever may take the next step may also send the story back to draft with a reason;
  the office may also withdraw a published story;
- nobody validates their own story, except the programme office.

A story under review is visible to its author, its contributors, the leaders and
sponsors of its communities and the office; to anyone else it does not exist (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from trellis.communities.models import LEADER_ROLES, Community, Membership, Role
from trellis.core.access import User, is_programme_office, person_for_user
from trellis.stories.models import Status, Story

REVIEW_ROLES = (*LEADER_ROLES, Role.SPONSOR)


def _roles(user: User, story: Story) -> set[str]:
    """The user's active roles over all the story's communities (cached on the story)."""
    cache: dict[int, set[str]] = getattr(story, "_trellis_roles", {})
    key = int(user.pk) if user.pk is not None else 0
    if key not in cache:
        person = person_for_user(user)
        roles: set[str] = set()
        if person is not None:
            roles = set(
                Membership.objects.filter(
                    person=person,
                    left__isnull=True,
                    community__in=story.communities.order_by().values("pk"),
                ).values_list("role", flat=True)
            )
        cache[key] = roles
        story._trellis_roles = cache  # type: ignore[attr-defined]
    return cache[key]


def is_author(user: User, story: Story) -> bool:
    return user.is_authenticated and story.author_id == user.pk


def is_contributor(user: User, story: Story) -> bool:
    person = person_for_user(user)
    return person is not None and story.contributors.filter(pk=person.pk).exists()


def can_read(user: User, story: Story) -> bool:
    if not user.is_authenticated:
        return False
    if story.status == Status.PUBLISHED or is_programme_office(user) or is_author(user, story):
        return True
    return bool(_roles(user, story) & set(REVIEW_ROLES)) or is_contributor(user, story)


def can_edit(user: User, story: Story) -> bool:
    return story.status == Status.DRAFT and (is_programme_office(user) or is_author(user, story))


def can_submit(user: User, story: Story) -> bool:
    return can_edit(user, story)


def can_validate(user: User, story: Story) -> bool:
    if story.status != Status.SUBMITTED:
        return False
    if is_programme_office(user):
        return True
    return not is_author(user, story) and bool(_roles(user, story) & set(LEADER_ROLES))


def _is_approver(user: User, story: Story) -> bool:
    if is_programme_office(user):
        return True
    return not is_author(user, story) and Role.SPONSOR in _roles(user, story)


def can_approve(user: User, story: Story) -> bool:
    return story.status == Status.VALIDATED and _is_approver(user, story)


def can_publish(user: User, story: Story) -> bool:
    return story.status == Status.APPROVED and _is_approver(user, story)


def can_refuse(user: User, story: Story) -> bool:
    """Send back to draft: whoever may take the next step; the office also withdraws."""
    if story.status == Status.PUBLISHED:
        return is_programme_office(user)
    return can_validate(user, story) or can_approve(user, story) or can_publish(user, story)


def is_reviewer(user: User, story: Story) -> bool:
    """May comment on the review and validate quantified benefits."""
    if is_programme_office(user):
        return True
    if is_author(user, story):
        return False
    return bool(_roles(user, story) & set(REVIEW_ROLES))


def can_validate_benefits(user: User, story: Story) -> bool:
    if story.status == Status.PUBLISHED:
        return is_programme_office(user)
    return story.status != Status.DRAFT and is_reviewer(user, story)


def can_comment(user: User, story: Story) -> bool:
    if story.status == Status.PUBLISHED:
        return False
    return is_reviewer(user, story) or is_author(user, story) or is_contributor(user, story)


def story_for_user(user: User, pk: int) -> Story:
    """The story, if the user may read it: 404 otherwise (a draft's existence is private)."""
    if not user.is_authenticated:
        raise PermissionDenied
    story = Story.objects.filter(pk=pk).select_related("author").first()
    if story is None or not can_read(user, story):
        raise Http404
    return story


def writable_communities(user: User) -> QuerySet[Community]:
    """Communities the user may write a story for: theirs (any role); all for the office."""
    if is_programme_office(user):
        return Community.objects.all()
    person = person_for_user(user)
    if person is None:
        return Community.objects.none()
    return Community.objects.filter(
        pk__in=Membership.objects.filter(person=person, left__isnull=True).values("community")
    )


def require_writer(user: User) -> None:
    if not user.is_authenticated or not writable_communities(user).exists():
        raise PermissionDenied


def reviewable_stories(user: User) -> QuerySet[Story]:
    """Stories waiting for a step this user may take (validation, approval, publication)."""
    if is_programme_office(user):
        return Story.objects.filter(
            status__in=[Status.SUBMITTED, Status.VALIDATED, Status.APPROVED]
        )
    person = person_for_user(user)
    if person is None:
        return Story.objects.none()
    mine = Membership.objects.filter(person=person, left__isnull=True)
    led = mine.filter(role__in=LEADER_ROLES).values("community")
    sponsored = mine.filter(role=Role.SPONSOR).values("community")
    return (
        Story.objects.filter(
            Q(status=Status.SUBMITTED, communities__in=led)
            | Q(status__in=[Status.VALIDATED, Status.APPROVED], communities__in=sponsored)
        )
        .exclude(author_id=user.pk)
        .distinct()
    )
