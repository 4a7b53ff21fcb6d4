"""Newsletter sending: never-twice bookkeeping and per-language rendering, measured.

    uv run python bench/newsletter.py [--people 5000]

Runs in a fresh SQLite database in a temporary directory (never touches ./var/), with
the locmem e-mail backend (each message is still built as MIME, as SMTP would need).

1. drafting: P people (half French) in one community, 10 news posts and 10 events in the
   period; time `newsletter_draft` (it computes two KPI years live);
2. ours: `newsletter_deliver` end to end (claims, render once per language, one
   connection per batch, sent_at stamps), with its query count;
3. baseline, same run: the same messages rendered once per language, built and handed to
   the backend with no claim bookkeeping — the least work any sender must do;
4. naive, same run: the templates rendered once per recipient (what "each subscriber's
   language" costs without grouping).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trellis-bench-newsletter-"))
    os.environ["TRELLIS_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ["TASKS_BACKEND"] = "immediate"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")

    import django

    django.setup()
    from django.core import mail
    from django.core.mail import EmailMultiAlternatives, get_connection
    from django.core.management import call_command
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from trellis.activity.models import Event
    from trellis.comms import services
    from trellis.comms.models import Newsletter, NewsPost
    from trellis.communities.models import Community, Membership, Stage
    from trellis.people.models import Person

    call_command("migrate", verbosity=0)
    mail.outbox = []
    n = args.people
    community = Community.objects.create(
        name="W", slug="w", stage=Stage.ACTIVE, launched=dt.date(2026, 10, 3)
    )
    people = Person.objects.bulk_create(
        [
            Person(name=f"P{i}", email=f"p{i}@example.org", language="fr" if i % 2 else "en")
            for i in range(n)
        ],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(person=p, community=community, joined=dt.date(2020, 1, 1)) for p in people],
        batch_size=2000,
    )
    for i in range(10):
        NewsPost.objects.create(
            title=f"News {i}",
            body="x" * 500,
            status=NewsPost.Status.PUBLISHED,
            publish_at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
        )
        Event.objects.create(
            community=community, title=f"E{i}", start=timezone.now() + dt.timedelta(days=i + 1)
        )

    start = time.perf_counter()
    issue = services.newsletter_draft(
        actor=None, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31)
    )
    draft = time.perf_counter() - start
    Newsletter.objects.filter(pk=issue.pk).update(status=Newsletter.Status.SENDING)
    issue.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        report = services.newsletter_deliver(newsletter=issue, base_url="https://t.example")
        ours = time.perf_counter() - start
    assert report.sent == n == len(mail.outbox), (report, len(mail.outbox))
    rows = list(Person.objects.order_by("pk").values_list("pk", "email", "language"))

    mail.outbox = []
    start = time.perf_counter()
    rendered = {
        lang: services.render_issue(issue, lang, "https://t.example") for lang in ("en", "fr")
    }
    get_connection().send_messages(
        [
            services._message(rendered[lang], email, lang, "https://t.example", pk)
            for pk, email, lang in rows
        ]
    )
    baseline = time.perf_counter() - start

    mail.outbox = []
    items = services.issue_items(issue)
    start = time.perf_counter()
    messages = []
    for _pk, email, lang in rows:
        with translation.override(lang):
            context = {
                "issue": issue,
                "items": items,
                "base_url": "https://t.example",
                "unsubscribe_url": "https://t.example/u/",
                "programme": None,
                "language": lang,
            }
            text = render_to_string("comms/email/newsletter.txt", context)
            html = render_to_string("comms/email/newsletter.html", context)
        message = EmailMultiAlternatives(issue.title, text, "a@example.org", [email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    get_connection().send_messages(messages)
    naive = time.perf_counter() - start

    print(f"people={n} items={issue.items.count()} draft={draft:.2f}s")
    print(
        f"ours      {ours:7.2f}s {n / ours:7.0f}/s  queries={len(queries.captured_queries)} "
        f"batches={report.batches} languages={report.languages}"
    )
    print(
        f"baseline  {baseline:7.2f}s {n / baseline:7.0f}/s  "
        f"ratio ours/baseline={ours / baseline:.2f}"
    )
    print(f"naive     {naive:7.2f}s {n / naive:7.0f}/s  naive/ours={naive / ours:.1f}")


if __name__ == "__main__":
    main()
