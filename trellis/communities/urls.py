from django.urls import path

from trellis.communities import views

urlpatterns = [
    path("", views.catalogue_view, name="catalogue"),
    path("new/", views.community_create_view, name="community_create"),
    path("<slug:slug>/", views.community_detail, name="community_detail"),
    path("<slug:slug>/edit/", views.community_edit, name="community_edit"),
    path("<slug:slug>/stage/", views.community_stage, name="community_stage"),
    path("<slug:slug>/join/", views.community_join, name="community_join"),
    path("<slug:slug>/leave/", views.community_leave, name="community_leave"),
    path("<slug:slug>/members/", views.community_members_view, name="community_members"),
    path("<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<slug:slug>/charter/", views.charter_view, name="charter"),
    path("<slug:slug>/charter/edit/", views.charter_edit, name="charter_edit"),
    path("<slug:slug>/charter/<int:pk>/", views.charter_version_view, name="charter_version"),
    path(
        "<slug:slug>/charter/<int:pk>/approve/", views.charter_approve_view, name="charter_approve"
    ),
    path("<slug:slug>/objectives/new/", views.objective_create, name="objective_create"),
    path("<slug:slug>/objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path(
        "<slug:slug>/objectives/<int:pk>/delete/",
        views.objective_delete_view,
        name="objective_delete",
    ),
]
