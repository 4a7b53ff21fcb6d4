from django.urls import URLPattern, URLResolver, path

from trellis.recognition import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("awards/", views.awards_home, name="awards_home"),
    path("awards/<int:pk>/", views.award_campaign_public, name="award_campaign_public"),
    path("awards/categories/<int:pk>/nominate/", views.award_nominate, name="award_nominate"),
    path("awards/categories/<int:pk>/vote/", views.award_vote, name="award_vote"),
    path("awards/winners/<int:pk>/", views.award_winner, name="award_winner"),
    path("awards/winners/<int:pk>/badge.svg", views.award_badge, name="award_badge"),
    path("awards/winners/<int:pk>/badge.png", views.award_badge_png, name="award_badge_png"),
    # The programme office (the jury)
    path("programme/awards/", views.award_campaigns, name="award_campaigns"),
    path("programme/awards/<int:pk>/", views.award_campaign, name="award_campaign"),
    path("programme/awards/<int:pk>/edit/", views.award_campaign_edit, name="award_campaign_edit"),
    path(
        "programme/awards/<int:pk>/phase/", views.award_campaign_phase, name="award_campaign_phase"
    ),
    path(
        "programme/awards/categories/<int:pk>/criteria/",
        views.award_criterion_new,
        name="award_criterion_new",
    ),
    path(
        "programme/awards/criteria/<int:pk>/delete/",
        views.award_criterion_delete,
        name="award_criterion_delete",
    ),
    path("programme/awards/categories/<int:pk>/jury/", views.award_jury, name="award_jury"),
    path("programme/awards/nominees/<int:pk>/decide/", views.award_decide, name="award_decide"),
]
