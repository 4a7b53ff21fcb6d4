from django.contrib import admin
from django.urls import include, path

from trellis.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", core_views.login_view, name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("language/", core_views.language_switch, name="language_switch"),
    path("theme.css", core_views.theme_css, name="theme_css"),
    path("programme/", core_views.programme_home, name="programme_home"),
    path("programme/settings/", core_views.programme_settings, name="programme_settings"),
    path("programme/audit/", core_views.audit_log, name="audit_log"),
    path("programme/", include("trellis.onboarding.urls")),
    path("", include("trellis.reports.urls")),
    path("communities/", include("trellis.communities.urls")),
    path("people/", include("trellis.people.urls")),
    path("activity/", include("trellis.activity.urls")),
    path("", include("trellis.events.urls")),
    path("", include("trellis.kpis.urls")),
    path("survey/", include("trellis.surveys.urls")),
    path("stories/", include("trellis.stories.urls")),
    path("", include("trellis.recognition.urls")),
    path("", include("trellis.comms.urls")),
    path("", include("trellis.incubation.urls")),
    path("", include("trellis.programme.urls")),
    path("", include("trellis.coaching.urls")),
    path("", include("trellis.health.urls")),
    path("", include("trellis.ops.urls")),
    path("api/v1/", include("trellis.api.urls")),
    path("account/", include("trellis.api.account_urls")),
    path("admin/", admin.site.urls),
]
