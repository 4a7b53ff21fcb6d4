from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "trellis.core"
    label = "core"
    verbose_name = _("Programme")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from trellis.core.signals import ensure_programme_office_group

        # Runs after every app (permissions of later apps exist by the last call).
        post_migrate.connect(ensure_programme_office_group, dispatch_uid="trellis-office-group")
