from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class ActivityConfig(AppConfig):
    name = "trellis.activity"
    label = "activity"
    verbose_name = _("Activity")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        # The programme home translates these at request time.
        tools = [
            (
                "activity_imports",
                gettext_noop("Import ESN activity"),
                gettext_noop(
                    "Upload a Viva Engage or Slack export, a Microsoft 365 report or an "
                    "activity CSV; follow the imports."
                ),
            ),
            (
                "activity_spaces",
                gettext_noop("Map ESN spaces"),
                gettext_noop(
                    "Link each Viva Engage group or Slack channel to its community; unmapped "
                    "spaces come first."
                ),
            ),
            (
                "activity_authors",
                gettext_noop("Resolve ESN authors"),
                gettext_noop("Authors not matched to a person by e-mail: give their aliases."),
            ),
        ]
        # ready() can run more than once (tests, autoreload): register each tool once.
        for tool in tools:
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
