from django.contrib import admin
from django.urls import include, path

from campaigns import views
from campaigns.admin.views import message_frame

urlpatterns = [
    path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/", include("campaigns.webhooks")),
    path("marque/logo/", views.business_logo, name="business_logo"),
    # An email shown in the admin's sandboxed frames (preview, outage notice, invitation).
    path("apercu/", admin.site.admin_view(message_frame), name="message_frame"),
]
