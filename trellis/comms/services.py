"""Writes of communication: news posts, newsletter drafts, edits, sending, subscriptions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.comms import selectors
from trellis.comms.models import Delivery, Newsletter, NewsletterItem, NewsPost, Subscription
from trellis.communities.models import Community
from trellis.core.audit import Actor, audit_record
from trellis.core.models import ProgrammeSettings
from trellis.people.models import Person

BATCH = 200
SUMMARY_LENGTH = 400
UNSUBSCRIBE_SALT = "trellis.comms.unsubscribe"
# Stands for each recipient's own unsubscribe link in an issue rendered once per language.
LINK_PLACEHOLDER = "TRELLIS-UNSUBSCRIBE-LINK"

# The programme figures a draft highlights, this year against last year.
KPI_HIGHLIGHTS: dict[str, Any] = {
    "communities": gettext_lazy("Communities"),
    "members_unique": gettext_lazy("Members (unique people)"),
    "active_contributors_unique": gettext_lazy("Active contributors (unique people)"),
    "webinars": gettext_lazy("Webinars"),
}


# Section headings of an issue, one per kind of item, in each reader's language.
SECTIONS: dict[str, Any] = {
    "story": gettext_lazy("Success stories"),
    "news": gettext_lazy("News"),
    "community": gettext_lazy("New communities"),
    "event": gettext_lazy("Upcoming events"),
    "award": gettext_lazy("Awards"),
    "kpi": gettext_lazy("The programme in figures"),
}


# --- News -----------------------------------------------------------------------------------------


NEWS_FIELDS = ["title", "body", "community", "status", "publish_at"]


@transaction.atomic
def news_create(
    *,
    actor: Actor,
    title: str,
    body: str,
    community: Community | None,
    status: str,
    publish_at: dt.datetime | None = None,
) -> NewsPost:
    post = NewsPost(
        title=title.strip(),
        body=body.strip(),
        community=community,
        status=status,
        publish_at=publish_at or timezone.now(),
        author=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    post.full_clean()
    post.save()
    audit_record(
        actor=actor,
        action="news.create",
        obj=post,
        changes={"community": community, "status": status, "publish_at": post.publish_at},
    )
    return post


@transaction.atomic
def news_update(
    *,
    actor: Actor,
    post: NewsPost,
    title: str,
    body: str,
    status: str,
    publish_at: dt.datetime | None = None,
) -> NewsPost:
    before = {"title": post.title, "status": post.status, "publish_at": post.publish_at}
    post.title, post.body, post.status = title.strip(), body.strip(), status
    post.publish_at = publish_at or post.publish_at
    post.full_clean()
    post.save()
    after = {"title": post.title, "status": post.status, "publish_at": post.publish_at}
    audit_record(
        actor=actor,
        action="news.update",
        obj=post,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return post


@transaction.atomic
def news_delete(*, actor: Actor, post: NewsPost) -> None:
    audit_record(actor=actor, action="news.delete", obj=post, changes={"title": post.title})
    post.delete()


# --- Newsletter drafts ----------------------------------------------------------------------------


def _summary(obj: Any, names: Iterable[str]) -> str:
    for name in names:
        value = getattr(obj, name, "")
        if callable(value):
            continue
        if value:
            return Truncator(" ".join(str(value).split())).chars(SUMMARY_LENGTH)
    return ""


def _url(obj: Any) -> str:
    getter = getattr(obj, "get_absolute_url", None)
    try:
        return str(getter()) if callable(getter) else ""
    except Exception:  # noqa: BLE001 (another area's object: a missing link is no reason to fail)
        return ""


def _external_item(kind: str, obj: Any, summary_fields: Sequence[str]) -> NewsletterItem:
    title = getattr(obj, "title", None) or getattr(obj, "name", None) or str(obj)
    return NewsletterItem(
        kind=kind,
        title=Truncator(str(title)).chars(300),
        summary=_summary(obj, summary_fields),
        url=_url(obj),
        source_id=str(getattr(obj, "pk", "") or ""),
    )


def _award_item(award: Any) -> NewsletterItem:
    """A winner from trellis.recognition.selectors.awards_published_between (a dict)."""
    if not isinstance(award, dict):
        return _external_item(NewsletterItem.Kind.AWARD, award, ["summary"])
    winner = award.get("community_slug") or award.get("person_id") or ""
    return NewsletterItem(
        kind=NewsletterItem.Kind.AWARD,
        title=Truncator(str(award.get("winner", ""))).chars(300),
        summary=" · ".join(str(award[k]) for k in ("award", "category") if award.get(k)),
        url=str(award.get("url") or ""),
        when=award.get("published_at"),
        source_id=f"{award.get('kind', '')}:{winner}"[:64],
        data={"badge_url": award.get("badge_url") or "", "is_label": bool(award.get("is_label"))},
    )


def _kpi_items(year: int) -> list[NewsletterItem]:
    from trellis.kpis.selectors import compute_kpis

    now = compute_kpis(year).programme
    before = compute_kpis(year - 1).programme
    return [
        NewsletterItem(
            kind=NewsletterItem.Kind.KPI,
            title="",
            source_id=metric,
            data={
                "metric": metric,
                "year": year,
                "value": now.get(metric),
                "previous": before.get(metric),
            },
        )
        for metric in KPI_HIGHLIGHTS
        if now.get(metric) is not None
    ]


def draft_items(
    start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> tuple[list[NewsletterItem], list[str]]:
    """The items of a draft for the period, in reading order, and notes on missing sources."""
    items: list[NewsletterItem] = []
    notes: list[str] = []
    stories = selectors.published_stories(start, end)
    if stories is None:
        notes.append("stories")
    else:
        items += [
            _external_item(
                NewsletterItem.Kind.STORY, s, ["summary", "result", "changes", "context"]
            )
            for s in stories
        ]
    items += [
        NewsletterItem(
            kind=NewsletterItem.Kind.NEWS,
            title=p.title,
            summary=Truncator(" ".join(p.body.split())).chars(SUMMARY_LENGTH),
            url=p.get_absolute_url(),
            source_id=str(p.pk),
        )
        for p in selectors.news_between(start, end)
    ]
    items += [
        NewsletterItem(
            kind=NewsletterItem.Kind.COMMUNITY,
            title=c.name,
            summary=c.purpose,
            url=c.get_absolute_url(),
            source_id=str(c.pk),
        )
        for c in selectors.new_communities(start, end)
    ]
    items += [
        NewsletterItem(
            kind=NewsletterItem.Kind.EVENT,
            title=e.title,
            summary=e.community.name,
            url=reverse("community_events", args=[e.community.slug]),
            source_id=str(e.pk),
            when=e.start,
        )
        for e in selectors.upcoming_events(end, now)
    ]
    awards = selectors.published_awards(start, end)
    if awards is None:
        notes.append("awards")
    else:
        items += [_award_item(a) for a in awards]
    items += _kpi_items(end.year)
    for position, item in enumerate(items, start=1):
        item.position = position
    return items, notes


@transaction.atomic
def newsletter_draft(
    *, actor: Actor, period_start: dt.date, period_end: dt.date, title: str = ""
) -> Newsletter:
    """Draft an issue for a period from what happened in it (the office edits it next)."""
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end of the period comes before its start.")})
    if (period_end - period_start).days > 366:
        raise ValidationError({"period_end": _("A newsletter covers at most one year.")})
    items, notes = draft_items(period_start, period_end)
    issue = Newsletter(
        title=title.strip()
        or _("Newsletter, %(start)s – %(end)s")
        % {
            "start": date_format(period_start, "DATE_FORMAT"),
            "end": date_format(period_end, "DATE_FORMAT"),
        },
        period_start=period_start,
        period_end=period_end,
        notes=notes,
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    issue.full_clean()
    issue.save()
    for item in items:
        item.newsletter = issue
    NewsletterItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        action="newsletter.draft",
        obj=issue,
        changes={"from": period_start, "to": period_end, "items": len(items), "missing": notes},
    )
    return issue


@transaction.atomic
def newsletter_update(
    *,
    actor: Actor,
    newsletter: Newsletter,
    title: str,
    intro: str,
    order: Sequence[int],
    remove: Iterable[int] = (),
) -> Newsletter:
    """Edit a draft: title, introduction, the order of its items and those to drop.

    `order` lists item ids, first to last; items it leaves out keep their relative order
    after the listed ones.
    """
    locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if locked.status != Newsletter.Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited."))
    locked.title, locked.intro = title.strip(), intro.strip()
    locked.full_clean()
    locked.save(update_fields=["title", "intro"])
    removed = set(remove)
    items = {item.pk: item for item in locked.items.all()}
    unknown = (removed | set(order)) - set(items)
    if unknown:
        raise ValidationError(_("Some items are not part of this issue."))
    locked.items.filter(pk__in=removed).delete()
    ranked = [pk for pk in order if pk not in removed]
    rest = [pk for pk in items if pk not in removed and pk not in ranked]
    rest.sort(key=lambda k: items[k].position)
    kept = []
    for position, pk in enumerate(dict.fromkeys(ranked + rest), 1):
        items[pk].position = position
        kept.append(items[pk])
    NewsletterItem.objects.bulk_update(kept, ["position"])
    audit_record(
        actor=actor,
        action="newsletter.update",
        obj=locked,
        changes={"removed": sorted(removed), "order": [i.pk for i in kept]},
    )
    return locked


# --- Sending --------------------------------------------------------------------------------------


def newsletter_send(*, actor: Actor, newsletter: Newsletter, base_url: str) -> int:
    """Start sending a draft; returns how many people it goes to.

    1. lock the issue and refuse anything but a draft with at least one item;
    2. mark it as sending (it can no longer be edited) and audit it;
    3. once committed, queue the background task that e-mails it in batches.
    """
    from trellis.comms import tasks

    with transaction.atomic():
        locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
        if locked.status != Newsletter.Status.DRAFT:
            raise ValidationError(_("This issue has already been sent."))
        if not locked.items.exists() and not locked.intro:
            raise ValidationError(_("An empty issue cannot be sent: add an introduction."))
        # A story withdrawn after the draft was made must not go out.
        stories = locked.items.filter(kind=NewsletterItem.Kind.STORY)
        withdrawn = selectors.withdrawn_story_ids(stories.values_list("source_id", flat=True))
        if withdrawn:
            stories.filter(source_id__in=withdrawn).delete()
        count = selectors.recipients().count()
        locked.status = Newsletter.Status.SENDING
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="newsletter.send",
            obj=locked,
            changes={"recipients": count, "withdrawn_stories": sorted(withdrawn)},
        )
        pk = locked.pk
        transaction.on_commit(lambda: tasks.deliver_newsletter.enqueue(pk, base_url))
    newsletter.refresh_from_db()
    return count


def unsubscribe_token(person: Person | int) -> str:
    pk = person if isinstance(person, int) else person.pk
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(pk))


def person_for_token(token: str) -> Person | None:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return Person.objects.filter(pk=int(value)).first()


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def render_issue(newsletter: Newsletter, language: str, base_url: str) -> Rendered:
    """The issue as an e-mail in one language, with LINK_PLACEHOLDER for the unsubscribe link."""
    with translation.override(language):
        context = {
            "issue": newsletter,
            "items": issue_items(newsletter),
            "base_url": base_url.rstrip("/"),
            "unsubscribe_url": LINK_PLACEHOLDER,
            "programme": ProgrammeSettings.load(),
            "language": language,
        }
        return Rendered(
            subject=newsletter.title,
            text=render_to_string("comms/email/newsletter.txt", context),
            html=render_to_string("comms/email/newsletter.html", context),
        )


def issue_items(newsletter: Newsletter) -> list[dict[str, Any]]:
    """The items of an issue ready to show, labels in the active language."""
    rows = []
    for item in newsletter.items.all():
        row: dict[str, Any] = {
            "item": item,
            "kind": item.get_kind_display(),
            "section": str(SECTIONS.get(item.kind, item.get_kind_display())),
            "label": item.title,
        }
        if item.kind == NewsletterItem.Kind.KPI:
            metric = item.data.get("metric", "")
            row["label"] = str(KPI_HIGHLIGHTS.get(metric, metric))
            row["value"] = item.data.get("value")
            row["previous"] = item.data.get("previous")
            row["year"] = item.data.get("year")
        rows.append(row)
    return rows


@dataclass
class DeliveryReport:
    sent: int = 0
    batches: int = 0
    languages: int = 0


def newsletter_deliver(
    *, newsletter: Newsletter, base_url: str = "", batch: int = BATCH
) -> DeliveryReport:
    """E-mail an issue to its recipients, a batch at a time; safe to run again.

    1. take the next `batch` recipients who have no delivery row for this issue (those
       who unsubscribed in the meantime are no longer recipients);
    2. claim them: insert their delivery rows under this run's claim id in one transaction;
       a concurrent or retried run cannot claim the same person twice (unique constraint);
    3. send each claimed person the issue in their language (rendered once per language),
       stamping `sent_at`; if the mail server fails, the claims not yet tried are released
       so that a retry sends them, and the one that failed stays claimed, so nobody ever
       gets the issue twice;
    4. when nobody is left, mark the issue as sent.
    """
    base_url = base_url.rstrip("/")
    claim = uuid.uuid4().hex
    default_language = ProgrammeSettings.load().default_language or settings.LANGUAGE_CODE
    known = {code for code, _name in settings.LANGUAGES}
    rendered: dict[str, Rendered] = {}
    report = DeliveryReport()
    while True:
        already = Delivery.objects.filter(newsletter=newsletter, person=OuterRef("pk"))
        with transaction.atomic():
            rows = list(
                selectors.recipients()
                .exclude(Exists(already))
                .order_by("pk")
                .values_list("pk", "email", "language")[:batch]
            )
            if not rows:
                break
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        newsletter=newsletter,
                        person_id=pk,
                        claim=claim,
                        language=language if language in known else default_language,
                    )
                    for pk, _email, language in rows
                ],
                ignore_conflicts=True,
            )
            mine = dict(
                Delivery.objects.filter(
                    newsletter=newsletter, claim=claim, person_id__in=[r[0] for r in rows]
                ).values_list("person_id", "language")
            )
        emails = {pk: email for pk, email, _language in rows if pk in mine}
        report.batches += 1
        connection = get_connection()
        sent: list[int] = []
        pending = list(emails)
        try:
            connection.open()
            for pk in list(pending):
                language = mine[pk]
                if language not in rendered:
                    rendered[language] = render_issue(newsletter, language, base_url)
                pending.remove(pk)
                message = _message(rendered[language], emails[pk], language, base_url, pk)
                message.connection = connection
                if message.send():
                    sent.append(pk)
        finally:
            connection.close()
            with transaction.atomic():
                Delivery.objects.filter(
                    newsletter=newsletter, claim=claim, person_id__in=sent
                ).update(sent_at=timezone.now())
                # Not tried yet: free them for the retry. The one that raised stays claimed.
                Delivery.objects.filter(
                    newsletter=newsletter, claim=claim, person_id__in=pending
                ).delete()
            report.sent += len(sent)
    report.languages = len(rendered)
    with transaction.atomic():
        updated = Newsletter.objects.filter(
            pk=newsletter.pk, status=Newsletter.Status.SENDING
        ).update(status=Newsletter.Status.SENT, sent_at=timezone.now())
        if updated:
            audit_record(
                actor=None,
                action="newsletter.sent",
                obj=newsletter,
                changes={"delivered": newsletter.deliveries.filter(sent_at__isnull=False).count()},
            )
    return report


def _message(
    rendered: Rendered, email: str, language: str, base_url: str, person_id: int
) -> EmailMultiAlternatives:
    link = base_url + reverse("newsletter_unsubscribe", args=[unsubscribe_token(person_id)])
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text.replace(LINK_PLACEHOLDER, link),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
        headers={
            "Content-Language": language,
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(rendered.html.replace(LINK_PLACEHOLDER, link), "text/html")
    return message


# --- Subscriptions --------------------------------------------------------------------------------


@transaction.atomic
def subscription_set(*, actor: Actor, person: Person, subscribed: bool) -> Subscription:
    """Record a person's choice; an explicit row wins over the membership default."""
    subscription, _created = Subscription.objects.update_or_create(
        person=person, defaults={"subscribed": subscribed}
    )
    audit_record(
        actor=actor,
        action="newsletter.subscribe" if subscribed else "newsletter.unsubscribe",
        obj=person,
        changes={"subscribed": subscribed},
    )
    return subscription
