from django.urls import URLPattern, URLResolver, path

from trellis.comms import feeds, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("welcome/", views.landing, name="landing"),
    path("news/", views.news_list, name="news_list"),
    path("news/new/", views.news_create, name="news_create"),
    path("news/<int:pk>/", views.news_detail, name="news_detail"),
    path("news/<int:pk>/edit/", views.news_edit, name="news_edit"),
    path("news/<int:pk>/delete/", views.news_delete, name="news_delete"),
    path("communities/<slug:slug>/news/", views.community_news, name="community_news"),
    path(
        "communities/<slug:slug>/news/new/",
        views.community_news_create,
        name="community_news_create",
    ),
    path("feeds/news.rss", feeds.NewsRss(), name="news_feed_rss"),
    path("feeds/news.atom", feeds.NewsAtom(), name="news_feed_atom"),
    path("feeds/stories.rss", feeds.StoriesRss(), name="stories_feed_rss"),
    path("feeds/stories.atom", feeds.StoriesAtom(), name="stories_feed_atom"),
    path("newsletters/", views.newsletter_archive, name="newsletter_archive"),
    path("newsletters/<int:pk>/", views.newsletter_issue, name="newsletter_issue"),
    path(
        "newsletters/subscription/", views.newsletter_subscription, name="newsletter_subscription"
    ),
    path(
        "newsletters/unsubscribe/<str:token>/",
        views.newsletter_unsubscribe,
        name="newsletter_unsubscribe",
    ),
    path(
        "newsletters/resubscribe/<str:token>/",
        views.newsletter_resubscribe,
        name="newsletter_resubscribe",
    ),
    path("programme/newsletters/", views.newsletter_drafts, name="newsletter_drafts"),
    path("programme/newsletters/<int:pk>/", views.newsletter_edit, name="newsletter_edit"),
    path("programme/newsletters/<int:pk>/send/", views.newsletter_send, name="newsletter_send"),
]
