"""Background work of communication: a newsletter issue is e-mailed by a worker.

Arguments are plain JSON values (ids), as django-tasks requires. The task is safe to run
again (a retry, a second worker): services.newsletter_deliver never sends twice.
"""

from __future__ import annotations

from django_tasks import task

from trellis.comms import services
from trellis.comms.models import Newsletter


@task()
def deliver_newsletter(newsletter_id: int, base_url: str = "") -> int:
    issue = Newsletter.objects.filter(pk=newsletter_id).first()
    if issue is None or issue.status == Newsletter.Status.DRAFT:
        return 0
    return services.newsletter_deliver(newsletter=issue, base_url=base_url).sent
