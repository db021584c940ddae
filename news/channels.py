"""The business's own channels, written into an outage notice when it is sent.

A notice template may name {{ business_name }}, {{ phone }}, {{ website }}, {{ news_url }}
and {{ channels }} (the list of every way to reach the business that is set in "Your
business"). They are filled in as text before the campaign's sandbox reads the template,
so that the recipient's merge fields ({{ first_name }}…) still work beside them.
"""

import re

import phonenumbers
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

FIELDS = ("business_name", "phone", "website", "news_url", "channels")
_FIELD = re.compile(r"\{\{\s*(" + "|".join(FIELDS) + r")\s*\}\}")


def fill(source: str, values: dict[str, str]) -> str:
    """Return the template with the business's fields written in; other fields untouched."""
    return _FIELD.sub(lambda match: values[match.group(1)], source)


def values(business, language: str, html: bool = True) -> dict[str, str]:
    """Return what each field becomes for this business, in the notice's language."""
    plain = {
        "business_name": business.name,
        "phone": business.phone,
        "website": business.website,
        "news_url": news_url(language),
    }
    if not html:
        return {**plain, "channels": ", ".join(shown for _label, shown, _href in _links(business))}
    with translation.override(language):
        return {**{k: escape(v) for k, v in plain.items()}, "channels": _list(business)}


def news_url(language: str) -> str:
    """Return the news page's absolute address, in the notice's language."""
    url = f"{settings.SITE_URL}{reverse('news')}"
    return url if language == settings.LANGUAGE_CODE else f"{url}?lang={language}"


def _links(business) -> list[tuple[str, str, str]]:
    """Return (label, address shown, link) for each channel the business has set."""
    labels = [
        _("By phone: %(link)s"),
        _("On our website: %(link)s"),
        _("On Telegram: %(link)s"),
        _("On Signal: %(link)s"),
        _("On WhatsApp: %(link)s"),
    ]
    found = zip(labels, _ADDRESSES, strict=True)
    return [(label, getattr(business, field), _href(business, field)) for label, field in found
            if getattr(business, field)]  # fmt: skip


def reach(business) -> list[tuple[str, str, str]]:
    """Return (channel name, address shown, link) for the news page's "Reach us" list."""
    names = [_("Phone"), _("Website"), "Telegram", "Signal", "WhatsApp"]
    found = zip(names, _ADDRESSES, strict=True)
    return [(name, getattr(business, field), _href(business, field)) for name, field in found
            if getattr(business, field)]  # fmt: skip


_ADDRESSES = ("phone", "website", "telegram_url", "signal_url", "whatsapp_url")


def _href(business, field: str) -> str:
    value = getattr(business, field)
    return f"tel:{_dialable(value)}" if field == "phone" else value


def _list(business) -> str:
    items = [_item(label, shown, href) for label, shown, href in _links(business)]
    items = items or [conditional_escape(_("By replying to this email."))]
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items)))


def _item(label: str, shown: str, href: str) -> str:
    link = format_html('<a href="{}">{}</a>', href, shown)
    return mark_safe(conditional_escape(label) % {"link": link})  # the label escaped here


def _dialable(phone: str) -> str:
    """Return the number as a tel: link dials it: E.164 when it can be read."""
    try:
        number = phonenumbers.parse(phone, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return re.sub(r"[^\d+]", "", phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
