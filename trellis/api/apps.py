from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class ApiConfig(AppConfig):
    name = "trellis.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tool = (
            "api_tokens",
            gettext_noop("REST API and tokens"),
            gettext_noop(
                "Connect BI, HR systems and ESN connectors: personal API tokens and the API "
                "reference."
            ),
        )
        # ready() can run more than once (tests, autoreload): register the tool once.
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
