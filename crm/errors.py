"""What a visitor sees when Carnet cannot answer: a page in their language, never a traceback.

A refusal (a page the account may not open, a form whose CSRF token failed) gets the 403
page, in the same look, with a way back to the admin for a member of the team.

The database or Redis out of reach (restarting, a network cut) is a service's outage, not
a bug: the page says so, with 503 and Retry-After, so that browsers, mail programs posting
a one-click unsubscribe and ESPs retrying a webhook come back. Any other error gets the
500 page. Both are rendered with no database, cache or user: those may be what failed.
The traceback goes to the log (Django's `django.request` logger), never to the page.
"""

import base64
import hashlib
import sys

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.safestring import mark_safe

# The database or Redis (cache, rate limits, Celery's broker) could not be reached.
OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
RETRY_AFTER_SECONDS = 30

# The pages' only style, inline (no file to fetch from a server in trouble) and allowed by
# its hash: the pages run no script and load nothing.
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;"
    "padding:0 1rem;color:#222;line-height:1.5}h1{font-size:1.5rem;color:#264b5d}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def service_outage(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, says a service is out of reach."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGES):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an uncaught error (Django's handler500): 503 for an outage, else 500."""
    if service_outage(sys.exc_info()[1]):
        response = _page("503.html", status=503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page("500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer a refusal (Django's handler403): 403, in the user's language."""
    return _page("403.html", status=403, request=request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Answer a form refused for its CSRF token (CSRF_FAILURE_VIEW; Django logs `reason`)."""
    return _page("403.html", status=403, request=request, csrf=True)


def _page(
    template: str, status: int, request: HttpRequest | None = None, **context
) -> HttpResponse:
    """Render an error page; with the request (a refusal: the services answer) for its user."""
    html = loader.get_template(template).render({"style": mark_safe(STYLE), **context}, request)
    response = HttpResponse(html, status=status)
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Cache-Control"] = "no-store"
    return response
