from django.urls import path

from trellis.surveys import views

urlpatterns = [
    path("", views.survey_home, name="survey_home"),
    path("r/", views.survey_respond, name="survey_respond"),
    path("templates/", views.survey_templates, name="survey_templates"),
    path("templates/<int:pk>/", views.survey_template, name="survey_template"),
    path("questions/<int:pk>/edit/", views.survey_question_edit, name="survey_question_edit"),
    path("campaigns/", views.survey_campaigns, name="survey_campaigns"),
    path("campaigns/<int:pk>/", views.survey_campaign, name="survey_campaign"),
    path(
        "campaigns/<int:pk>/do/<slug:action>/",
        views.survey_campaign_action,
        name="survey_campaign_action",
    ),
    path("campaigns/<int:pk>/results/", views.survey_results, name="survey_results"),
    path("campaigns/<int:pk>/import/", views.survey_results_upload, name="survey_results_upload"),
    path("campaigns/<int:pk>/results.csv", views.survey_results_csv, name="survey_results_csv"),
    path(
        "campaigns/<int:pk>/communities/<slug:slug>/",
        views.survey_community_results,
        name="survey_community_results",
    ),
    path(
        "campaigns/<int:pk>/communities/<slug:slug>/summary.pdf",
        views.survey_community_pdf,
        name="survey_community_pdf",
    ),
]
