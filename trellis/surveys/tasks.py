"""Background work of the survey: invitations and reminders are e-mailed by a worker.

Arguments are plain JSON values (ids), as django-tasks requires.
"""

from __future__ import annotations

from django_tasks import task

from trellis.surveys import services
from trellis.surveys.models import Campaign


@task()
def send_invitations(campaign_id: int, reminder: bool = False, base_url: str = "") -> int:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return services.invitations_send(campaign=campaign, reminder=reminder, base_url=base_url).sent
