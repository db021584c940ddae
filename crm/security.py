"""Login throttling with django-axes: whose address a request comes from, and the lockout page.

django-axes counts wrong passwords per username and address (settings, "Login throttling");
this module tells it the address, keeps it out of logins made without a request (tests'
Client.login, management commands), and draws the page a locked-out visitor sees.
"""

import datetime
import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginThrottle(AxesStandaloneBackend):
    """Refuse every login of a locked-out username and address, the right password too.

    A login made in code, without a request, has no address to count against: it is let
    through to the next backend. Every login over HTTP (the admin's form) has one.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The address that the throttle counts against: the client's, as far as it is known.

    With no trusted proxy, the connection's own address: X-Forwarded-For is ignored, since
    anyone can send it. Behind TRUSTED_PROXY_COUNT proxies, each of which appends the address
    it was reached from, the client is that many places from the header's end; whatever a
    client wrote into the header itself lies further left and is never read.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:  # the request did not come through every proxy
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def locked_until(request: HttpRequest, username: str) -> datetime.datetime:
    """When the username may log in again from this request's address."""
    last = AccessAttempt.objects.filter(
        username=username, ip_address=request.axes_ip_address
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + get_cool_off(request)


def lockout_page(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The admin's page saying that logging in is paused, and until when (HTTP 429)."""
    username = get_client_username(request, credentials) or ""
    context = {
        **admin.site.each_context(request),
        "title": _("Logging in is paused"),
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "until": locked_until(request, username),
    }
    return render(request, "admin/carnet/lockout.html", context, status=429)
