from django.urls import path

from trellis.activity import views

urlpatterns = [
    path("imports/", views.imports, name="activity_imports"),
    path("imports/new/", views.import_new, name="activity_import_new"),
    path("imports/<int:pk>/", views.import_detail, name="activity_import"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="activity_import_errors"),
    path("imports/<int:pk>/retry/", views.import_retry, name="activity_import_retry"),
    path("imports/<int:pk>/apply/", views.import_apply, name="activity_import_apply"),
    path("spaces/", views.spaces, name="activity_spaces"),
    path("spaces/<int:pk>/", views.space_detail, name="activity_space"),
    path("authors/", views.authors, name="activity_authors"),
    path("authors/<int:pk>/", views.author_detail, name="activity_author"),
]
