from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class OnboardingConfig(AppConfig):
    name = "trellis.onboarding"
    label = "onboarding"
    verbose_name = _("Onboarding")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tool = (
            "programme_import",
            gettext_noop("Import and export the programme"),
            gettext_noop(
                "Load communities, memberships and ESN space mappings from spreadsheets, "
                "or download them."
            ),
        )
        # ready() can run more than once (tests, autoreload): register the tool once.
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
