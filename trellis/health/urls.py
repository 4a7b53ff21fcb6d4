from django.urls import URLPattern, URLResolver, path

from trellis.health import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("programme/health/", views.health_programme, name="health_programme"),
    path("programme/health/snapshot/", views.health_snapshot, name="health_snapshot"),
    path("programme/maturity/", views.maturity_home, name="maturity_home"),
    path("programme/maturity/<int:year>/", views.maturity_year, name="maturity_year"),
    path("programme/maturity/<int:year>/edit/", views.maturity_edit, name="maturity_edit"),
    path("communities/<slug:slug>/health/", views.community_health, name="community_health"),
    path(
        "communities/<slug:slug>/health/check/",
        views.health_check_new,
        name="health_check_new",
    ),
    path("portfolio/", views.sponsor_portfolio, name="sponsor_portfolio"),
]
