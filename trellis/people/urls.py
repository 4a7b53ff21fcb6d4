from django.urls import path

from trellis.people import views

urlpatterns = [
    path("", views.directory, name="people"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("import/", views.people_import_page, name="people_import"),
]
