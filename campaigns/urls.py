from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from campaigns import views
from campaigns.admin.views import message_frame

urlpatterns = [
    path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/", include("campaigns.webhooks")),
    path("marque/logo/", views.business_logo, name="business_logo"),
    # An email shown in the admin's sandboxed frames (preview, outage notice, invitation).
    path("apercu/", admin.site.admin_view(message_frame), name="message_frame"),
    # The campaign editor's words: the admin's and django-prose-editor's JavaScript catalogues
    # (its dialogs call window.gettext; the admin's own jsi18n holds the admin's alone).
    path(
        "editeur/i18n.js",
        JavaScriptCatalog.as_view(packages=["django.contrib.admin", "django_prose_editor"]),
        name="editor_i18n",
    ),
]
