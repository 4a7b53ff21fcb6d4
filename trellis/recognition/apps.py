from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class RecognitionConfig(AppConfig):
    name = "trellis.recognition"
    label = "recognition"
    verbose_name = _("Recognition")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tool = (
            "award_campaigns",
            gettext_noop("Awards and labels"),
            gettext_noop(
                "Award campaigns: categories, eligibility criteria, nominations, member vote, "
                "jury decision and publication."
            ),
        )
        # ready() can run more than once (tests, autoreload): register the tool once.
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
