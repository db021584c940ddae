"""anymail's tracking webhooks, mounted only behind ANYMAIL_WEBHOOK_SECRET.

anymail accepts unauthenticated calls with a mere warning when no secret is set; Carnet
refuses them, since a forged bounce or complaint would silence real customers.
"""

import functools

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import URLPattern


def _secret_required(view):
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("ANYMAIL_WEBHOOK_SECRET is not set.")
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    URLPattern(p.pattern, _secret_required(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
    if "tracking" in str(p.pattern)
]
