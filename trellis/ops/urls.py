from django.urls import URLPattern, URLResolver, path

from trellis.ops import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("programme/jobs/", views.job_list, name="ops_jobs"),
    path("programme/jobs/<uuid:job_id>/retry/", views.job_retry, name="ops_job_retry"),
]
