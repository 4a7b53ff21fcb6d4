from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class StoriesConfig(AppConfig):
    name = "trellis.stories"
    label = "stories"
    verbose_name = _("Success stories")

    def ready(self) -> None:
        from trellis.core.views import PROGRAMME_TOOLS

        for tool in (
            (
                "story_review",
                gettext_noop("Success stories to review"),
                gettext_noop("Stories waiting for approval or publication, and review comments."),
            ),
            (
                "story_matrix",
                gettext_noop("Value created"),
                gettext_noop("Stories by value cycle and validated benefits, per community."),
            ),
        ):
            # ready() can run more than once (tests, autoreload): register each tool once.
            if tool not in PROGRAMME_TOOLS:
                PROGRAMME_TOOLS.append(tool)
