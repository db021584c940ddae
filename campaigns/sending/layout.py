"""The brand's email layout around a campaign body, with its CSS inlined for mail programs."""

import re

import css_inline
from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

_inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)
_DOCUMENT = re.compile(r"<(html|body)[\s>]", re.IGNORECASE)


def is_document(html: str) -> bool:
    """Whether the body is a whole HTML document, sent as written, rather than a fragment."""
    return bool(_DOCUMENT.search(html))


def wrap(body: str, language: str = "") -> str:
    """Return the body inside the business's layout, CSS inlined; merge fields untouched.

    Its words (the unsubscribe link, the footer) are in `language`, else LANGUAGE_CODE's.
    """
    business = apps.get_model("campaigns", "Business").load()
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string("emails/campaign.html", {
            "business": business,
            "identity": business.sender_identity(),
            "logo_url": logo_url(business),
            "body": body,
            "unsubscribe_url": "{{ unsubscribe_url }}",
            "language": language,
        })  # fmt: skip
    return _inliner.inline(html)


def logo_url(business) -> str:
    """Return the logo's absolute address, or '' without a logo."""
    if not business.logo:
        return ""
    version = business.logo.name.rpartition("/")[2]
    return f"{settings.SITE_URL}{reverse('business_logo')}?v={version}"
