from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Pages, feeds and the CSV import for events; the `Event` model lives in activity."""

    name = "trellis.events"
    label = "events"
    verbose_name = _("Events")
