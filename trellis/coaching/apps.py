from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class CoachingConfig(AppConfig):
    name = "trellis.coaching"
    label = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tool = (
            "coaching_leaders",
            gettext_noop("Coaching of leaders"),
            gettext_noop(
                "The community of leaders, coaching sessions, trainings and self-assessments."
            ),
        )
        # ready() can run more than once (tests, autoreload): register the tool once.
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
