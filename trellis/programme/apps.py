from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class ProgrammeConfig(AppConfig):
    name = "trellis.programme"
    label = "programme"
    verbose_name = _("Programme support")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tools = [
            (
                "letters",
                gettext_noop("Engagement letters"),
                gettext_noop(
                    "Letters for leaders and core teams: time granted, period, objectives, "
                    "the manager's signature, reminders and renewals."
                ),
            ),
            (
                "escalations",
                gettext_noop("Escalations and mediation"),
                gettext_noop("Problems raised by leaders and members, their mediator and status."),
            ),
            (
                "resources_budget",
                gettext_noop("Resources and budget"),
                gettext_noop("Requests for budget, tools, facilitation, training or time."),
            ),
        ]
        # ready() can run more than once (tests, autoreload): register each tool once.
        for tool in tools:
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
