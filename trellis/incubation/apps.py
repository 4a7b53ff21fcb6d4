from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class IncubationConfig(AppConfig):
    name = "trellis.incubation"
    label = "incubation"
    verbose_name = _("Incubation")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tools = [
            (
                "incubation_board",
                gettext_noop("Incubation pipeline"),
                gettext_noop("Review proposed communities, follow their stage gates, launch them."),
            ),
            (
                "lifecycle_dormant",
                gettext_noop("Dormant communities"),
                gettext_noop(
                    "Communities with no ESN activity and no event for months; close or merge."
                ),
            ),
            (
                "tools_config",
                gettext_noop("Collaboration tools"),
                gettext_noop(
                    "The tools the organisation offers, described for the guided tool choice."
                ),
            ),
        ]
        # ready() can run more than once (tests, autoreload): register each tool once.
        for tool in tools:
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
