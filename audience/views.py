"""The public sign-up pages, in the visitor's language, and the QR code of their link."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from audience import confirming, share, signups
from audience.confirming import Proof
from audience.forms import HONEYPOT, SignupForm, page_stamp
from audience.models import SignupPage
from campaigns.models import Business

# Each language named in itself, for the link that switches to it.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


# CSRF: the form may be embedded in the business's own website, a plain HTML form posting
# here from another site, which carries no Carnet cookie or token. Nothing here acts for a
# logged-in user: a sign-up only ever sends a confirmation email, which the honeypot, the
# fill-time stamp and the rate limits guard (audience.forms, audience.signups). Every other
# view, the admin above all, keeps Django's CSRF protection.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Show the sign-up form; POST records a sign-up and queues its confirmation email."""
    page, language = SignupPage.load(), _language(request)
    if request.method == "POST":
        form = SignupForm(request.POST, consent_label=page.consent(language))
        if form.is_valid():
            # A bot sees what a person sees; nothing is recorded or sent for it.
            if not form.is_bot():
                signups.sign_up(form, Proof.of(request))
            return redirect(f"{reverse('signup_thanks')}?lang={language}")
        form.restamp(page.version, language)  # sent back to be corrected
    else:
        stamp = page_stamp(page.version, language).sign()
        form = SignupForm(initial={"stamp": stamp}, consent_label=page.consent(language))
    context = {"form": form, "intro": page.intro(language), "honeypot": form[HONEYPOT]}
    return _render(request, "audience/signup.html", context, language)


@require_http_methods(["GET", "HEAD"])
def signup_thanks(request: HttpRequest) -> HttpResponse:
    """Ask the visitor to open the email just sent (said to people and bots alike)."""
    return _render(request, "audience/signup_thanks.html", {}, _language(request))


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a "Je confirme" button and changes nothing; POST confirms, any kind."""
    language = _language(request)
    found = confirming.read_token(token)
    if found is None:
        return _render(request, "audience/confirm_invalid.html", {}, language, status=404)
    if request.method == "GET":  # mail scanners follow links: a GET confirms nobody
        return _render(request, "audience/confirm.html", {}, language)
    contact = confirming.confirm(*found, Proof.of(request))
    if contact is None:
        return _render(request, "audience/confirm_invalid.html", {}, language, status=404)
    return _render(request, "audience/confirmed.html", {"contact": contact}, language)


@require_http_methods(["GET", "HEAD"])
def signup_qr(request: HttpRequest, kind: str) -> HttpResponse:
    """Serve the sign-up link's QR code; ?download=1 saves it as a file."""
    response = HttpResponse(share.qr_code(kind), content_type=share.QR_TYPES[kind])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="inscription-qr.{kind}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _language(request: HttpRequest) -> str:
    """Return the language the visitor chose (?lang=), else their browser's, else French.

    Unlike the admin (crm.middleware), the public pages follow Accept-Language: a visitor
    is not the business, and may not read French.
    """
    chosen = request.GET.get("lang", "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return translation.get_language_from_request(request)


def _render(request, template: str, context: dict, language: str, status: int = 200):
    business = Business.load()
    other = "en" if language == "fr" else "fr"
    context = {
        "business": business, "logo_url": _logo_url(business), "language": language,
        "switch_url": f"{request.path}?lang={other}", "switch_name": LANGUAGE_NAMES[other],
        "switch_language": other, "days": settings.SIGNUP_CONFIRM_DAYS, **context,
    }  # fmt: skip
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def _logo_url(business: Business) -> str:
    if not business.logo:
        return ""
    return f"{reverse('business_logo')}?v={business.logo.name.rpartition('/')[2]}"
