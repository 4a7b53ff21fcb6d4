from django.urls import URLPattern, URLResolver, path

from trellis.programme import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("letters/", views.letters, name="letters"),
    path("letters/new/", views.letter_create, name="letter_create"),
    path("letters/<int:pk>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/edit/", views.letter_edit, name="letter_edit"),
    path("letters/<int:pk>/send/", views.letter_send, name="letter_send"),
    path("letters/<int:pk>/sign/", views.letter_sign, name="letter_sign"),
    path("letters/<int:pk>/renew/", views.letter_renew, name="letter_renew"),
    path("letters/<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("letters/sign/<str:token>/", views.letter_sign_link, name="letter_sign_link"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/new/", views.escalation_create, name="escalation_create"),
    path("escalations/counts/", views.escalations_dashboard, name="escalations_dashboard"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("escalations/<int:pk>/manage/", views.escalation_manage, name="escalation_manage"),
    path("escalations/<int:pk>/handle/", views.escalation_handle, name="escalation_handle"),
    path("resources/", views.resources, name="resources"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/budget/", views.resources_budget, name="resources_budget"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/decide/", views.resource_decide, name="resource_decide"),
]
