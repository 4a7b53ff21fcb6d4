from django.urls import path

from trellis.kpis import views

urlpatterns = [
    path("kpis/years/", views.kpi_years, name="kpi_years"),
    path("kpis/years/<int:year>/", views.kpi_year_detail, name="kpi_year_detail"),
    path("kpis/years/<int:year>/close/", views.kpi_year_close, name="kpi_year_close"),
    path("kpis/years/<int:year>/recompute/", views.kpi_year_recompute, name="kpi_year_recompute"),
    path("kpis/sheets/", views.kpi_sheets, name="kpi_sheets"),
    path("kpis/sheets/remind/", views.kpi_sheets_remind, name="kpi_sheets_remind"),
    path("communities/<slug:slug>/kpi-sheet/", views.kpi_sheet_current, name="kpi_sheet_current"),
    path("communities/<slug:slug>/kpi-sheet/<int:year>/", views.kpi_sheet, name="kpi_sheet"),
    path(
        "communities/<slug:slug>/kpi-sheet/<int:year>/reopen/",
        views.kpi_sheet_reopen,
        name="kpi_sheet_reopen",
    ),
]
