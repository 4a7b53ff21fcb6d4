from django.urls import URLPattern, URLResolver, path

from trellis.incubation import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("incubation/", views.incubation_home, name="incubation_home"),
    path("incubation/propose/", views.proposal_new, name="proposal_new"),
    path("incubation/similar/", views.proposal_similar, name="proposal_similar"),
    path("incubation/proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("incubation/proposals/<int:pk>/review/", views.proposal_review, name="proposal_review"),
    path("incubation/proposals/<int:pk>/gates/", views.proposal_gate, name="proposal_gate"),
    path("incubation/proposals/<int:pk>/launch/", views.proposal_launch, name="proposal_launch"),
    path("programme/incubation/", views.incubation_board, name="incubation_board"),
    path("incubation/choose-a-tool/", views.tool_choose, name="tool_choose"),
    path("programme/tools/", views.tools_config, name="tools_config"),
    path("programme/tools/new/", views.tool_edit, name="tool_new"),
    path("programme/tools/<int:pk>/", views.tool_edit, name="tool_edit"),
    path("programme/dormant/", views.lifecycle_dormant, name="lifecycle_dormant"),
    path(
        "programme/communities/<slug:slug>/archive/",
        views.community_archive,
        name="community_archive",
    ),
]
