from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class HealthConfig(AppConfig):
    name = "trellis.health"
    label = "health"
    verbose_name = _("Health and maturity")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tools = [
            (
                "health_programme",
                gettext_noop("Community health"),
                gettext_noop(
                    "Every community's status (green, amber, red) with its reasons and "
                    "recommended actions; record the health history."
                ),
            ),
            (
                "maturity_home",
                gettext_noop("Programme maturity diagnostic"),
                gettext_noop(
                    "Self-assessment of the eight pillars each year, compared with past years."
                ),
            ),
        ]
        # ready() can run more than once (tests, autoreload): register each tool once.
        for tool in tools:
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
