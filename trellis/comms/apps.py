from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class CommsConfig(AppConfig):
    name = "trellis.comms"
    label = "comms"
    verbose_name = _("Communication")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        tools = [
            (
                "newsletter_drafts",
                gettext_noop("Newsletter"),
                gettext_noop("Draft an issue from a period, edit it and e-mail it to subscribers."),
            ),
            (
                "news_list",
                gettext_noop("News"),
                gettext_noop("Programme and community news, with scheduled publication."),
            ),
        ]
        # ready() can run more than once (tests, autoreload): register each tool once.
        for tool in tools:
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
