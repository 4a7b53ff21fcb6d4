from django.urls import URLPattern, URLResolver, path

from trellis.stories import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.story_list, name="story_list"),
    path("review/", views.story_review, name="story_review"),
    path("new/", views.story_create, name="story_create"),
    path("value/", views.story_matrix, name="story_matrix"),
    path("value/<slug:slug>/", views.story_matrix_community, name="story_matrix_community"),
    path("<int:pk>/", views.story_detail, name="story_detail"),
    path("<int:pk>/edit/", views.story_edit, name="story_edit"),
    path("<int:pk>/submit/", views.story_submit, name="story_submit"),
    path("<int:pk>/validate/", views.story_validate, name="story_validate"),
    path("<int:pk>/approve/", views.story_approve, name="story_approve"),
    path("<int:pk>/publish/", views.story_publish, name="story_publish"),
    path("<int:pk>/refuse/", views.story_refuse, name="story_refuse"),
    path("<int:pk>/comment/", views.story_comment, name="story_comment"),
    path("<int:pk>/benefits/new/", views.story_benefit_add, name="story_benefit_add"),
    path(
        "<int:pk>/benefits/<int:benefit_pk>/delete/",
        views.story_benefit_delete,
        name="story_benefit_delete",
    ),
    path(
        "<int:pk>/benefits/<int:benefit_pk>/validate/",
        views.story_benefit_validate,
        name="story_benefit_validate",
    ),
    path("<int:pk>/files/", views.story_attachment_add, name="story_attachment_add"),
    path("<int:pk>/files/<int:attachment_pk>/", views.story_attachment, name="story_attachment"),
    path(
        "<int:pk>/files/<int:attachment_pk>/delete/",
        views.story_attachment_delete,
        name="story_attachment_delete",
    ),
]
