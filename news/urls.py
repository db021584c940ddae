from django.urls import path

from news import views

urlpatterns = [
    path("nouvelles/", views.news, name="news"),
    path("nouvelles/couleurs.css", views.theme, name="news_theme"),
    path("nouvelles/feed/", views.NewsFeed(), name="news_feed"),
]
