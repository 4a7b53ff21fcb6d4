from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class OpsConfig(AppConfig):
    name = "trellis.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tool = (
            "ops_jobs",
            gettext_noop("Background jobs"),
            gettext_noop(
                "Imports, e-mails, PDFs and year snapshots run by the workers; retry failed ones."
            ),
        )
        # ready() can run more than once (tests, autoreload): register the tool once.
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
