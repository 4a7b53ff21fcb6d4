"""Background work of lifecycle care: the periodic dormancy detection.

Schedule it (cron, systemd timer) with `trellis detect-dormancy`, or queue this task.
"""

from __future__ import annotations

from django_tasks import task

from trellis.incubation.lifecycle import dormancy_detect


@task()
def detect_dormancy(base_url: str = "") -> int:
    """Run a detection; returns the number of new dormant communities."""
    return len(dormancy_detect(base_url=base_url).new)
