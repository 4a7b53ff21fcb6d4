from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class KpisConfig(AppConfig):
    name = "trellis.kpis"
    label = "kpis"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tools = [
            (
                "kpi_years",
                gettext_noop("KPI years"),
                gettext_noop("Close a year to freeze its KPIs, or recompute a closed year."),
            ),
            (
                "kpi_sheets",
                gettext_noop("Leader KPI sheets"),
                gettext_noop("Follow which communities submitted their yearly sheet; remind."),
            ),
        ]
        # ready() can run more than once (tests, autoreload): register each tool once.
        for tool in tools:
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
