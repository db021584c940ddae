"""The suppression list: what remains of an address whose contact was deleted."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ErasedAddress(models.Model):
    """A keyed hash of an address whose person is gone: never the address itself.

    Imports skip a row with this address (unless a contact has it again, brought back by
    the person's own double opt-in); see contacts.erasure.
    """

    class Reason(models.TextChoices):
        ERASURE = "erasure", _("Erasure asked by the person")
        # A contact deleted by the retention job that had unsubscribed, bounced or
        # complained: its refusal outlives it, so that no import writes to it again.
        OPTED_OUT = "opted_out", _("Unsubscribed, then deleted after the retention period")

    # HMAC-SHA256 of the address lower-cased and stripped, keyed with a secret derived
    # from SECRET_KEY (contacts.erasure.address_hash), in hexadecimal.
    address_hash = models.CharField(_("address hash"), max_length=64, unique=True)
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason.choices, default=Reason.ERASURE
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("erased address")
        verbose_name_plural = _("erased addresses")

    def __str__(self):
        return f"{self.address_hash[:12]}…"
