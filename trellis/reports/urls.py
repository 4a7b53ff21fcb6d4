from django.urls import path

from trellis.reports import annual_views, views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_export_csv, name="dashboard_export_csv"),
    path("dashboard/export.xlsx", views.dashboard_export_xlsx, name="dashboard_export_xlsx"),
    path(
        "communities/<slug:slug>/scorecard/",
        views.community_scorecard,
        name="community_scorecard",
    ),
    path("reports/annual/", annual_views.annual_reports, name="annual_reports"),
    path(
        "reports/annual/<int:pk>/report.pdf",
        annual_views.annual_report_pdf,
        name="annual_report_pdf",
    ),
    path(
        "reports/annual/<int:pk>/kpis.xlsx",
        annual_views.annual_report_xlsx,
        name="annual_report_xlsx",
    ),
    path(
        "reports/annual/<int:pk>/retry/",
        annual_views.annual_report_retry_view,
        name="annual_report_retry",
    ),
]
