from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audience import invitations
from campaigns import services


class Command(BaseCommand):
    help = (
        "Invite once, by email, every no-consent contact with an address never invited, "
        "to confirm they want your emails (double opt-in); print invited=N."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count who would be invited."
        )

    def handle(self, *args, dry_run: bool, **options):
        invitation = invitations.next_invitation()
        if dry_run:
            invited = services.audience(invitation).count()
        else:
            try:
                invited = invitations.send(invitation)
            except ValidationError as e:
                raise CommandError(" ".join(e.messages)) from e
        self.stdout.write(f"invited={invited}")
