from django.core.management.base import BaseCommand

from contacts import personal_data
from contacts.management.commands.forget import find


class Command(BaseCommand):
    help = (
        "Export one person's data (GDPR right of access): as JSON, every field with tags, "
        "sources, notes, the consent history with its proofs and the emails sent with "
        "their events; or as a vCard."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", metavar="EMAIL")
        parser.add_argument("--format", choices=personal_data.FORMATS, default="json",
                            help="json (default) or vcard.")  # fmt: skip

    def handle(self, *args, email, format, **options):
        self.stdout.write(personal_data.export(find(email), format), ending="")
