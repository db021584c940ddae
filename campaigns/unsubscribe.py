"""Per-recipient unsubscribe links: signed, carrying ids and never the address.

Like django.contrib.auth's tokens, nothing is stored: the signature proves the link was
made here. The links never expire, since people unsubscribe from old messages too.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "carnet.campaigns.unsubscribe"


def make_token(contact_id: int, campaign_id: int) -> str:
    return signing.Signer(salt=SALT).sign_object([contact_id, campaign_id])


def read_token(token: str) -> tuple[int, int]:
    """Return (contact id, campaign id), or raise signing.BadSignature."""
    try:
        contact_id, campaign_id = signing.Signer(salt=SALT).unsign_object(token)
    except (ValueError, TypeError) as e:
        raise signing.BadSignature(str(e)) from e
    if not (isinstance(contact_id, int) and isinstance(campaign_id, int)):
        raise signing.BadSignature("ids expected")
    return contact_id, campaign_id


def unsubscribe_url(contact_id: int, campaign_id: int) -> str:
    return url_prefix() + make_token(contact_id, campaign_id) + "/"


def url_prefix() -> str:
    """Return the absolute address of the unsubscribe links, up to the token."""
    return settings.SITE_URL + reverse("unsubscribe", args=["-"])[:-2]
