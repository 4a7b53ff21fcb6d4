"""Who may read and write news and newsletters, built on trellis.core.access.

- any employee (logged-in user) reads published news and the archive of sent issues;
- the programme office writes programme-wide news, any community's news and newsletters;
- leaders and co-leaders write their own community's news;
- drafts and scheduled posts are seen only by those who may edit them (404 for others:
  they need not know a draft exists);
- unsubscribe links work without a login: the signed token is the permission.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from trellis.comms.models import Newsletter, NewsPost
from trellis.communities.models import Community
from trellis.core.access import User, can_edit_community, is_programme_office


def can_write_news(user: User, community: Community | None) -> bool:
    if not user.is_authenticated:
        return False
    if community is None:
        return is_programme_office(user)
    return can_edit_community(user, community)


def news_for_user(user: User, pk: int, *, write: bool = False) -> NewsPost:
    """A news post the user may read (or edit, with write=True)."""
    if not user.is_authenticated:
        raise PermissionDenied
    post = NewsPost.objects.select_related("community").filter(pk=pk).first()
    if post is None:
        raise Http404
    editable = can_write_news(user, post.community)
    if not post.is_visible() and not editable:
        raise Http404
    if write and not editable:
        raise PermissionDenied
    return post


def newsletter_for_user(user: User, pk: int, *, write: bool = False) -> Newsletter:
    """A sent issue for any employee; drafts and editing only for the programme office."""
    if not user.is_authenticated:
        raise PermissionDenied
    issue = Newsletter.objects.filter(pk=pk).first()
    if issue is None:
        raise Http404
    office = is_programme_office(user)
    if issue.status != Newsletter.Status.SENT and not office:
        raise Http404
    if write and not office:
        raise PermissionDenied
    return issue


def landing_is_public() -> bool:
    """Whether the landing page shows without a login (COMMS_PUBLIC_LANDING)."""
    return bool(getattr(settings, "COMMS_PUBLIC_LANDING", False))
