from django.urls import URLPattern, URLResolver, path

from trellis.coaching import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("coaching/", views.coaching_home, name="coaching_home"),
    path("coaching/sessions/", views.coaching_sessions, name="coaching_sessions"),
    path("coaching/sessions/new/", views.coaching_session_new, name="coaching_session_new"),
    path("coaching/sessions/<int:pk>/", views.coaching_session, name="coaching_session"),
    path("coaching/trainings/", views.training_catalogue, name="training_catalogue"),
    path("coaching/trainings/new/", views.training_new, name="training_new"),
    path(
        "coaching/trainings/<int:pk>/complete/",
        views.training_complete,
        name="training_complete",
    ),
    path("coaching/assessment/", views.assessment_mine, name="assessment_mine"),
    path("programme/coaching/", views.coaching_leaders, name="coaching_leaders"),
    path("programme/coaching/sync/", views.coaching_sync, name="coaching_sync"),
    path(
        "programme/coaching/people/<int:pk>/assessment/",
        views.assessment_person,
        name="assessment_person",
    ),
]
