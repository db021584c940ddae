"""The contacts known only on a social network, to invite by hand (issue 12).

They have no email address but at least one social handle: the owner writes to each of
them on the network, with a message that holds the sign-up page's link.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from campaigns.models import Business
from contacts.choices import Network
from contacts.models import Contact, Handle
from contacts.phones import display_phone

PER_PAGE = 50

# A profile's address from a bare handle, per network ({} is the handle, quoted).
PROFILES = {
    Network.LINKEDIN: "https://www.linkedin.com/in/{}",
    Network.FACEBOOK: "https://www.facebook.com/{}",
    Network.INSTAGRAM: "https://www.instagram.com/{}/",
    Network.X: "https://x.com/{}",
    Network.TELEGRAM: "https://t.me/{}",
    Network.WHATSAPP: "https://wa.me/{}",
    Network.SIGNAL: "https://signal.me/#p/{}",
    Network.WEBSITE: "https://{}",
}


def social_only() -> QuerySet[Contact]:
    """Return the contacts with no email address and at least one social handle."""
    handles = Handle.objects.filter(contact=OuterRef("pk"))
    return Contact.objects.filter(email="").filter(Exists(handles))


def remaining() -> int:
    """Count the contacts still to reach by hand on a social network."""
    return social_only().count()


def profile_url(network: str, value: str) -> str:
    """Return the address of a handle's profile; '' when it cannot be made into one."""
    value = value.strip()
    if value.lower().startswith(("https://", "http://")):
        return value
    if "/" in value and "." in value.split("/", 1)[0]:  # an address without its scheme
        return "https://" + value
    if network == Network.MASTODON:
        return _mastodon(value)
    if network == Network.WHATSAPP:
        value = "".join(char for char in value if char.isdigit())
    elif network == Network.SIGNAL:
        value = value.replace(" ", "")
    pattern = PROFILES.get(network)
    if not pattern or not value:
        return ""
    safe = "+." if network in (Network.SIGNAL, Network.WEBSITE) else "."
    return pattern.format(quote(value.lstrip("@"), safe=safe))


def _mastodon(value: str) -> str:
    """Return the profile of a fediverse handle written @name@server."""
    name, _at, server = value.lstrip("@").partition("@")
    if not name or not server:
        return ""
    return f"https://{quote(server, safe='.-')}/@{quote(name, safe='._-')}"


def signup_link() -> str:
    """Return the public sign-up page's address, or '' while it does not exist."""
    try:
        return settings.SITE_URL + reverse("signup")
    except NoReverseMatch:
        return ""


def invitation_message(link: str) -> str:
    """Return the message the owner copies to each contact, in the business's voice."""
    business = Business.load()
    greeting = (
        _("Hello, this is %(business)s!") % {"business": business.name}
        if business.name
        else _("Hello!")
    )
    body = _(
        "We are gathering our customers' email addresses so that we can send our news "
        "directly, without depending on social networks. If you would like to receive "
        "it, you can sign up here (it takes a minute, and you can leave at any time): "
        "%(link)s"
    ) % {"link": link}
    thanks = _("Thank you!")
    return f"{greeting} {body}\n{thanks}"


def page(request: HttpRequest) -> HttpResponse:
    """Show the social-only contacts with links to their profiles, and the message to send."""
    if not request.user.has_perm("contacts.view_contact"):
        raise PermissionDenied
    handles = Prefetch("handles", Handle.objects.order_by("network"))
    contacts = social_only().select_related("company").prefetch_related(handles)
    listing = Paginator(contacts, PER_PAGE).get_page(request.GET.get("page"))
    link = signup_link()
    context = {
        **admin.site.each_context(request),
        "title": _("Contacts known only on a social network"),
        "listing": listing,
        "rows": [(contact, _links(contact), display_phone(contact.phone)) for contact in listing],
        "signup_link": link,
        "message": invitation_message(link) if link else "",
    }
    return TemplateResponse(request, "audience/social/page.html", context)


def _links(contact: Contact) -> list[tuple[Handle, str]]:
    return [
        (handle, profile_url(handle.network, handle.value)) for handle in contact.handles.all()
    ]
