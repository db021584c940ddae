"""The first steps of a fresh install, ticked by what the owner has done."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from campaigns.choices import CampaignStatus
from campaigns.models import Campaign
from contacts.models import Contact

LIST_CHECKED = "carnet:contact_list_checked"
CONTACT_LIST = "admin:contacts_contact_changelist"


def steps(request: HttpRequest) -> list[dict]:
    """Return the three first steps, each with its link and whether it is done."""
    has_contacts = Contact.objects.exists()
    sent = Campaign.objects.filter(status=CampaignStatus.SENT).exists()
    checked = sent or (has_contacts and request.session.get(LIST_CHECKED, False))
    return [
        _step(_("Import your contacts"), "admin:contacts_importjob_upload", has_contacts),
        _step(_("Check your list"), CONTACT_LIST, checked),
        _step(_("Send a first campaign"), "admin:campaigns_campaign_add", sent),
    ]


def _step(label, url_name: str, done: bool) -> dict:
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        url = ""
    return {"label": label, "url": url, "done": done}


def noting_visits(view: Callable) -> Callable:
    """Wrap an admin view so that opening the contact list, once there are contacts, is
    remembered as step 2 done."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        match = request.resolver_match
        if (
            match is not None
            and match.view_name == CONTACT_LIST
            and response.status_code == 200
            and not request.session.get(LIST_CHECKED)
            and Contact.objects.exists()
        ):
            request.session[LIST_CHECKED] = True
        return response

    return wrapper
