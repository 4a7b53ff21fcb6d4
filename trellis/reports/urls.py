from django.urls import path

from trellis.reports import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_export_csv, name="dashboard_export_csv"),
    path("dashboard/export.xlsx", views.dashboard_export_xlsx, name="dashboard_export_xlsx"),
    path(
        "communities/<slug:slug>/scorecard/",
        views.community_scorecard,
        name="community_scorecard",
    ),
]
