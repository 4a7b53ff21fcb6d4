from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class PeopleConfig(AppConfig):
    name = "trellis.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        # The programme home translates these at request time.
        tool = (
            "people_import",
            gettext_noop("Import people"),
            gettext_noop(
                "Upload the HR extract: create and update people, mark those who left inactive."
            ),
        )
        if tool not in PROGRAMME_TOOLS:
            PROGRAMME_TOOLS.append(tool)
