from django.urls import include, path

from campaigns import views

urlpatterns = [
    path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/", include("campaigns.webhooks")),
    path("marque/logo/", views.business_logo, name="business_logo"),
]
