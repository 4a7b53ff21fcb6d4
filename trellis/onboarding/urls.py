from django.urls import path, re_path

from trellis.onboarding import views

urlpatterns = [
    path("import/", views.programme_import, name="programme_import"),
    re_path(
        r"^export/(?P<kind>communities|memberships|spaces)\.csv$",
        views.programme_export,
        name="programme_export",
    ),
]
