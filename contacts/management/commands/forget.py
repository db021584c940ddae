import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from contacts import erasure
from contacts.models import Contact


class Command(BaseCommand):
    help = (
        "Erase a person at their request: their contact, notes, consent history, emails "
        "and their events, and the import reports' lines about them. Only a keyed hash of "
        "the address stays, so that no import adds them again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", metavar="EMAIL")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, email, yes, **options):
        contact = find(email)
        self.stdout.write(_("Erasing %(name)s (contact #%(pk)d) deletes:")
                          % {"name": contact, "pk": contact.pk})  # fmt: skip
        for line in [*erasure.inventory(contact), _("the contact itself")]:
            self.stdout.write(f"- {line}")
        if not yes and not self._confirmed():
            self.stdout.write(_("Nothing erased."))
            return
        prefix = erasure.forget(contact)
        self.stdout.write(
            _("Contact #%(pk)d erased; the suppression list keeps the address's hash "
              "%(prefix)s…, never the address.") % {"pk": contact.pk, "prefix": prefix}
        )  # fmt: skip

    def _confirmed(self) -> bool:
        self.stdout.write(_("Type yes to erase, anything else to stop: "), ending="")
        self.stdout.flush()
        answer = sys.stdin.readline()
        return answer.strip().lower() == "yes"


def find(email: str) -> Contact:
    """Return the contact whose main address is `email`, or raise a one-line CommandError."""
    contact = Contact.objects.by_email(email).first() if email.strip() else None
    if contact is not None:
        return contact
    if erasure.is_erased(email):
        raise CommandError(_("No contact has the address %(email)s: it was erased already.")
                           % {"email": email})  # fmt: skip
    raise CommandError(_("No contact has the address %(email)s.") % {"email": email})
