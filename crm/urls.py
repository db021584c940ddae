from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

handler500 = "crm.errors.server_error"  # an outage of the database or Redis: 503, in French
handler403 = "crm.errors.permission_denied"  # a page refused: 403, in French

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("campaigns.urls")),
    path("", include("audience.urls")),
    path("", include("news.urls")),
]
