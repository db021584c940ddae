from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.management.commands.campaign import _one_line, _read  # the same words
from news import outage


class Command(BaseCommand):
    help = (
        "Send the outage notice now to every contact who may be emailed, ahead of every "
        "other campaign; print its id (then: campaign status ID)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subject", default="", help="Subject (default: the notice text's).")
        parser.add_argument(
            "--html", type=Path, help="HTML body file (default: the notice text's)."
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Which notice text to use (default: %(default)s).",
        )

    def handle(self, *args, subject, html, language, **options):
        body = _read(html) if html else ""
        try:
            campaign = outage.send(language, subject=subject, html=body)
        except outage.Refused as e:
            raise CommandError(str(e)) from e
        except ValidationError as e:
            raise CommandError(_one_line(e)) from e
        self.stdout.write(str(campaign.pk))
