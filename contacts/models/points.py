"""The further email addresses and phone numbers of a contact, beyond its main ones."""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from contacts.models.contacts import Contact


class ContactPoint(models.Model):
    """One more way to reach a contact: an address or a number its files gave.

    Never used to send: only the contact's main address is written to. A value Carnet
    could not read (a foreign number without its country code, an address with a typo) is
    kept as written, not understood, for the owner to correct.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("email address")
        PHONE = "phone", _("phone")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # An email with its domain in lower case, a phone in E.164; else as written.
    value = models.CharField(_("value"), max_length=254)
    label = models.CharField(_("label"), max_length=50, blank=True)
    understood = models.BooleanField(
        _("understood"),
        default=True,
        help_text=_("Unticked: kept as the file wrote it, Carnet could not read it."),
    )

    class Meta:
        verbose_name = _("other email or phone")
        verbose_name_plural = _("other emails and phones")
        ordering = ["kind", "id"]
        constraints = [
            # An import run twice must not add the same number twice to one person.
            models.UniqueConstraint(fields=["contact", "kind", "value"], name="point_unique")
        ]
        # Imports match rows on every address and number a contact has, addresses
        # ignoring case.
        indexes = [models.Index(Lower("value"), name="contactpoint_value_ci")]

    def __str__(self):
        return self.value
