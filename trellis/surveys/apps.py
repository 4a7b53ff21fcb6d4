from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class SurveysConfig(AppConfig):
    name = "trellis.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tool = (
            "survey_campaigns",
            gettext_noop("Annual member survey"),
            gettext_noop("Questionnaires, campaigns, invitations, response rates and results."),
        )
        # ready() can run more than once (tests, autoreload): register the tool once.
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
