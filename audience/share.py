"""What the owner shares: the sign-up link, its QR code, and a form for their own website."""

import io

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from audience.forms import HONEYPOT, Stamp
from audience.models import SignupPage

QR_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def signup_url() -> str:
    """Return the sign-up page's absolute address, to post on social pages."""
    return settings.SITE_URL + reverse("signup")


def qr_code(kind: str) -> bytes:
    """Return the sign-up link's QR code as a PNG or SVG image (`kind`)."""
    # Level M survives a smudged print; a border of 4 modules is the standard's quiet zone.
    qr = segno.make_qr(signup_url(), error="m")
    out = io.BytesIO()
    if kind == "png":
        qr.save(out, kind="png", scale=10, border=4)
    else:
        qr.save(out, kind="svg", scale=10, border=4, xmldecl=False, title="QR code")
    return out.getvalue()


def snippet(language: str) -> str:
    """Return an HTML form, in `language`, that posts a sign-up from another website.

    Its stamp names the consent wording it shows, and holds no time: it is copied once and
    used for months (see audience.forms).
    """
    page = SignupPage.load()
    stamp = Stamp(page.version, language, None).sign()
    with translation.override(language):
        return render_to_string("audience/snippet.html", {
            "action": f"{signup_url()}?lang={language}", "stamp": stamp,
            "consent": page.consent(language), "honeypot": HONEYPOT,
        }).strip()  # fmt: skip
