import json
from datetime import datetime
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import services
from campaigns.models import Campaign
from contacts.models import Segment, Tag


class Command(BaseCommand):
    help = "Create a campaign, show its status, or pause, resume or cancel it."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a campaign; print its id.")
        create.add_argument("--name", required=True)
        create.add_argument("--subject", required=True)
        create.add_argument("--html", required=True, type=Path, help="HTML body file.")
        create.add_argument("--text", type=Path, help="Text body file (default: from the HTML).")
        create.add_argument("--tag", action="append", default=[], help="Audience tag (repeat).")
        create.add_argument("--segment", action="append", default=[], help="Audience segment.")
        create.add_argument(
            "--at", help="ISO 8601 date and time (business time zone unless given), or now."
        )
        helps = {
            "status": "Print a campaign's status and counters as JSON.",
            "pause": "Pause a scheduled or sending campaign.",
            "resume": "Resume a paused campaign.",
            "cancel": "Cancel a campaign: what was not sent will not be.",
        }
        for name, text in helps.items():
            action = actions.add_parser(name, help=text)
            action.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        if action == "create":
            self.stdout.write(str(_create(**options).pk))
            return
        campaign = Campaign.objects.filter(pk=options["id"]).first()
        if campaign is None:
            raise CommandError(_("No campaign has the id %(id)s.") % {"id": options["id"]})
        if action == "status":
            status = {"id": campaign.pk, "status": campaign.status, **services.counters(campaign)}
            self.stdout.write(json.dumps(status))
            return
        move = {"pause": services.pause, "resume": services.resume, "cancel": services.cancel}
        if not move[action](campaign):
            refusal = {
                "pause": _("A campaign in the state “%(status)s” cannot be paused."),
                "resume": _("A campaign in the state “%(status)s” cannot be resumed."),
                "cancel": _("A campaign in the state “%(status)s” cannot be cancelled."),
            }[action]
            raise CommandError(refusal % {"status": campaign.get_status_display()})
        self.stdout.write(campaign.status)


def _create(name, subject, html, text, tag, segment, at, **options) -> Campaign:
    when = _when(at)
    campaign = Campaign(
        name=name, subject=subject, html_body=_read(html), text_body=_read(text) if text else ""
    )
    try:
        campaign.full_clean()
    except ValidationError as e:
        raise CommandError(_one_line(e)) from e
    tags = [_named(Tag, value, _("No tag is called %(name)r.")) for value in tag]
    segments = [_named(Segment, value, _("No segment is called %(name)r.")) for value in segment]
    with transaction.atomic():
        campaign.save()
        campaign.tags.set(tags)
        campaign.segments.set(segments)
        if when is not None:
            refusal = services.refusal_to_schedule(campaign, None if at == "now" else when)
            if refusal:
                raise CommandError(refusal)  # and the campaign is not kept
            services.schedule(campaign, when)
    return campaign


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or e
        message = _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": reason}
        raise CommandError(message) from e


def _when(at: str | None) -> datetime | None:
    if at is None:
        return None
    if at == "now":
        return timezone.now()
    try:
        when = datetime.fromisoformat(at)
    except ValueError as e:
        raise CommandError(
            _("--at must be an ISO 8601 date and time or 'now', not %(value)r.") % {"value": at}
        ) from e
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def _named(model, name: str, refusal: str):
    found = model.objects.filter(name__iexact=name).first()
    if found is None:
        raise CommandError(refusal % {"name": name})
    return found


def _one_line(error: ValidationError) -> str:
    """Return the errors on one line, each after the name of its field as users see it."""
    return "; ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else
        _("%(field)s: %(errors)s") % {"field": Campaign._meta.get_field(field).verbose_name,
                                       "errors": " ".join(messages)}
        for field, messages in error.message_dict.items()
    )  # fmt: skip
