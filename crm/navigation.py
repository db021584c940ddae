"""The owner's navigation and the Réglages page, in the business's words.

Each list is one data structure: adding a section (Inscriptions, say) is one more
`Entry`, in the order the owner should read it.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from crm import roles


@dataclass(frozen=True)
class Entry:
    """A link the owner may follow, shown to those who hold `permissions`."""

    label: Promise
    url_name: str
    permissions: tuple[str, ...] = ()
    owner_only: bool = False  # an administrator or a member of « Propriétaire » (crm.roles)
    # Pages under these URLs belong to the entry too (the imports list to Importer).
    also_current: tuple[str, ...] = ()

    def url(self) -> str | None:
        """Return the entry's address, or None while its page does not exist."""
        return _url(self.url_name)

    def allowed(self, request: HttpRequest) -> bool:
        """Tell whether the user may see this entry."""
        user = request.user
        if self.owner_only and not roles.is_owner(user):
            return False
        return user.has_perms(self.permissions)


SETTINGS = (
    Entry(
        pgettext_lazy("navigation", "Your business"),
        "admin:campaigns_business_changelist",
        ("campaigns.view_business",),
    ),
    Entry(
        pgettext_lazy("navigation", "Outage notice texts"),
        "admin:news_noticetemplate_changelist",
        ("news.view_noticetemplate",),
    ),
    Entry(pgettext_lazy("navigation", "Users"), "admin:auth_user_changelist", owner_only=True),
    Entry(pgettext_lazy("navigation", "Groups"), "admin:auth_group_changelist", owner_only=True),
    Entry(pgettext_lazy("navigation", "Two-step login"), "admin:two_step", owner_only=True),
)

NAVIGATION = (
    Entry(
        pgettext_lazy("navigation", "Dashboard"),
        "admin:index",
        # The outage notice is sent from the dashboard, though its texts live in Réglages.
        also_current=("admin:outage_notice",),
    ),
    Entry(
        pgettext_lazy("navigation", "Contacts"),
        "admin:contacts_contact_changelist",
        ("contacts.view_contact",),
    ),
    Entry(
        pgettext_lazy("navigation", "Import"),
        "admin:contacts_importjob_upload",
        ("contacts.add_contact", "contacts.change_contact"),
        also_current=("admin:contacts_importjob_changelist",),
    ),
    Entry(
        pgettext_lazy("navigation", "Campaigns"),
        "admin:campaigns_campaign_changelist",
        ("campaigns.view_campaign",),
    ),
    Entry(
        pgettext_lazy("navigation", "Segments"),
        "admin:contacts_segment_changelist",
        ("contacts.view_segment",),
    ),
    Entry(
        pgettext_lazy("navigation", "Sign-ups"),
        "admin:audience_signuppage_changelist",
        ("audience.view_signuppage",),
        also_current=(
            "admin:audience_signup_changelist",
            "admin:invite_no_consent",
            "admin:social_only",
        ),
    ),
    Entry(
        pgettext_lazy("navigation", "Settings"),
        "admin:settings",
        also_current=(*(entry.url_name for entry in SETTINGS), "admin:app_list"),
    ),
)


def links(request: HttpRequest, entries: tuple[Entry, ...]) -> list[dict]:
    """Return the entries the user may follow: label, url and whether it is this page."""
    shown = []
    for entry in entries:
        url = entry.url()
        if url is None or not entry.allowed(request):
            continue
        if entry.url_name == "admin:settings" and not settings_links(request):
            continue  # a page with nothing on it is no place to send anyone
        shown.append({"label": entry.label, "url": url, "current": _matched(request, entry)})
    # The entry whose address fits this page best is the current one: the outage notice
    # (/admin/news/noticetemplate/prevenir/) is the dashboard's, not its texts' (Réglages).
    best = max((link["current"] for link in shown), default=0)
    for link in shown:
        link["current"] = bool(best) and link["current"] == best
    return shown


def settings_links(request: HttpRequest) -> list[dict]:
    """Return the Réglages page's links the user may follow."""
    return links(request, SETTINGS)


def _matched(request: HttpRequest, entry: Entry) -> int:
    """Return how long a part of this page's address the entry's addresses fit (0: none)."""
    index = reverse("admin:index")
    if entry.url_name == "admin:index" and request.path == index:
        return len(index)
    prefixes = [_prefix(name) for name in entry.also_current]
    if entry.url_name != "admin:index":
        prefixes.append(entry.url())
    return max((len(p) for p in prefixes if p and request.path.startswith(p)), default=0)


def _prefix(url_name: str) -> str | None:
    if url_name == "admin:app_list":  # /admin/auth/…: users and groups live in Réglages
        return reverse("admin:app_list", args=["auth"])
    return _url(url_name)


def _url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:  # a model another part of Carnet has not added yet
        return None


# Models that have a place of their own in the navigation or in Réglages.
PLACED = frozenset(
    {"contacts.contact", "contacts.importjob", "campaigns.campaign", "contacts.segment"}
    | {"campaigns.business", "auth.user", "auth.group"}
    | {"audience.signuppage", "audience.signup", "news.noticetemplate"}
)
