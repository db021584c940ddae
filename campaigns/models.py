from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.choices import BodyFormat, CampaignKind, CampaignStatus, DeliveryStatus
from campaigns.sending.compose import CONFIRMING, Composer
from campaigns.templating import compile_template, uses
from contacts.models import Contact, Segment, Tag


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    preheader = models.CharField(
        _("preheader"),
        max_length=255,
        blank=True,
        help_text=_("The line mail programs show after the subject."),
    )
    from_name = models.CharField(_("sender name"), max_length=100, blank=True)
    from_email = models.EmailField(
        _("sender address"), blank=True, help_text=_("Leave empty to use Carnet's default sender.")
    )
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    body_format = models.CharField(
        _("written with"), max_length=10, choices=BodyFormat.choices, default=BodyFormat.HTML
    )
    html_body = models.TextField(_("HTML body"))
    text_body = models.TextField(
        _("text body"), blank=True, help_text=_("Leave empty to derive it from the HTML body.")
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="+",
        help_text=_("Contacts with any of these tags receive the campaign."),
    )  # fmt: skip
    segments = models.ManyToManyField(
        Segment, verbose_name=_("segments"), blank=True, related_name="+",
        help_text=_("Contacts in any of these segments receive the campaign."),
    )  # fmt: skip
    exclude_tags = models.ManyToManyField(
        Tag, verbose_name=_("excluded tags"), blank=True, related_name="+",
        help_text=_("Contacts with any of these tags do not receive it."),
    )  # fmt: skip
    exclude_segments = models.ManyToManyField(
        Segment, verbose_name=_("excluded segments"), blank=True, related_name="+",
        help_text=_("Contacts in any of these segments do not receive it."),
    )  # fmt: skip
    track_clicks = models.BooleanField(
        _("track clicks"), default=False, help_text=_("Through your ESP, when it offers it.")
    )
    track_opens = models.BooleanField(
        _("track opens"),
        default=False,
        help_text=_("Off by default: the CNIL asks for consent before tracking opens."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CampaignKind.choices, default=CampaignKind.REGULAR,
        editable=False,
    )  # fmt: skip
    public = models.BooleanField(
        _("shown on the news page"), default=False,
        help_text=_("Once sent, it can be read by anyone on your news page."),
    )  # fmt: skip
    # The language of the layout and footer around the message; empty: LANGUAGE_CODE's
    # (an outage notice may be sent in English from a French Carnet).
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES, editable=False
    )
    # An outage notice stays at the top of the news page until the owner closes it.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    paused_reason = models.CharField(_("paused because"), max_length=255, blank=True)
    sending_problem = models.CharField(
        _("sending problem"), max_length=500, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        # Writing a campaign is not sending it to everyone (crm.roles).
        permissions = [("send_campaign", _("Can send or schedule campaigns"))]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self):
        return self.name

    def clean(self):
        """Refuse what cannot be sent: templates beyond the merge fields, unusable senders."""
        errors = {}
        if "\n" in self.from_name or "\r" in self.from_name:
            errors["from_name"] = [_("A name fits on one line.")]
        for name in ("subject", "preheader", "html_body", "text_body"):
            try:
                compiled = compile_template(getattr(self, name))
            except ValidationError as e:
                errors[name] = e.messages
                continue
            # An invitation or a re-permission email without its button would ask for an
            # answer nobody can give, and use up the one invitation each contact gets.
            if (
                name == "html_body"
                and self.kind in CONFIRMING
                and not uses(compiled, "confirm_url")
            ):
                errors[name] = [_("The message has lost its button: put back a link to "
                                  "{{ confirm_url }}.")]  # fmt: skip
        if errors:
            raise ValidationError(errors)
        Composer(self)  # what the fields make together: derived text, footer, sender


class Delivery(models.Model):
    """One campaign message to one contact: a row before it is a message."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    email = models.EmailField(_("address"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_default=DeliveryStatus.PENDING,
    )
    # Database defaults too, so that the fan-out's INSERT … SELECT names three columns.
    attempts = models.PositiveSmallIntegerField(_("failed tries"), default=0, db_default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), default=timezone.now, db_default=Now()
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="", db_default="")
    message_id = models.CharField(
        _("Message-ID"), max_length=255, blank=True, default="", db_default=""
    )
    esp_message_id = models.CharField(
        _("ESP message id"), max_length=255, blank=True, default="", db_default=""
    )
    error = models.CharField(_("error"), max_length=500, blank=True, default="", db_default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    complained_at = models.DateTimeField(_("complained at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            # The heart of "never twice": one row, so one message, per campaign and person.
            models.UniqueConstraint(fields=["campaign", "contact"], name="delivery_unique")
        ]
        # Partial indexes: a row changes status twice per message, and each change writes
        # an entry only in the indexes whose condition the new row meets.
        indexes = [
            models.Index(
                fields=["campaign", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status__in=["claimed", "sending"]),
                name="delivery_leased",
            ),
            models.Index(
                fields=["esp_message_id"],
                condition=~models.Q(esp_message_id=""),
                name="delivery_esp_message_id",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} → {self.email}"


class TrackingEvent(models.Model):
    """One event an ESP reported through its webhook, stored once."""

    esp = models.CharField(_("ESP"), max_length=30)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(_("event"), max_length=30)
    at = models.DateTimeField(_("when"))
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    esp_message_id = models.CharField(max_length=255, blank=True)
    delivery = models.ForeignKey(
        Delivery, null=True, on_delete=models.SET_NULL, related_name="events"
    )
    detail = models.TextField(_("detail"), blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        constraints = [
            # ESPs retry webhooks: a replayed event must be counted once.
            models.UniqueConstraint(fields=["esp", "event_id"], name="tracking_event_once")
        ]

    def __str__(self):
        return f"{self.event_type} {self.recipient}"


class WebhookToken(models.Model):
    """A webhook signature's one-time token (Mailgun's), kept while the signature is fresh.

    Mailgun signs a timestamp and a token but not the event beside them: a signature seen
    once could carry any other event until it goes stale, unless its token is used once.
    """

    esp = models.CharField(max_length=30)
    token = models.CharField(max_length=255)
    signed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            # Two posts with one token, even at once: the second insert fails and is refused.
            models.UniqueConstraint(fields=["esp", "token"], name="webhook_token_once")
        ]

    def __str__(self):
        return f"{self.esp} {self.token}"


def _no_merge_syntax(value: str) -> None:
    # The brand goes into the campaign's template: braces there would be read as merge fields.
    if any(mark in value for mark in ("{{", "{%", "{#", "}}", "%}", "#}")):
        raise ValidationError(_("Merge fields and template tags cannot be used here."))


class Business(models.Model):
    """The business that writes: its brand and the sender identity the law asks for.

    One row only (pk 1): `Business.load()` returns it, created empty on first use.
    """

    name = models.CharField(_("business name"), max_length=200, validators=[_no_merge_syntax])
    legal_name = models.CharField(
        _("legal name"), max_length=200, blank=True, validators=[_no_merge_syntax],
        help_text=_("The registered company name, if it differs (raison sociale)."),
    )  # fmt: skip
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("A SIRET number has 14 digits."))],
    )  # fmt: skip
    postal_address = models.TextField(
        _("postal address"), validators=[_no_merge_syntax],
        help_text=_("Shown at the bottom of every campaign, as the law asks."),
    )  # fmt: skip
    website = models.URLField(_("website"), blank=True, validators=[_no_merge_syntax])
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[_no_merge_syntax])
    logo = models.ImageField(
        _("logo"), upload_to="brand/", blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
        help_text=_("A PNG or JPEG image, about 300 pixels wide."),
    )  # fmt: skip
    telegram_url = models.URLField(
        _("Telegram link"), blank=True, validators=[_no_merge_syntax],
        help_text=_("Your Telegram channel or group, named in an outage notice."),
    )  # fmt: skip
    signal_url = models.URLField(
        _("Signal link"), blank=True, validators=[_no_merge_syntax],
        help_text=_("Your Signal group link, named in an outage notice."),
    )  # fmt: skip
    whatsapp_url = models.URLField(
        _("WhatsApp link"), blank=True, validators=[_no_merge_syntax],
        help_text=_("Your WhatsApp channel or number link (wa.me), named in an outage notice."),
    )  # fmt: skip
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#2f6f8f",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour such as #2f6f8f."))],
        help_text=_("Used for the top of your emails and for buttons."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("your business")
        verbose_name_plural = _("your business")

    def __str__(self):
        return self.name or str(_("your business"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one business per Carnet
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "Business":
        """Return the business, an empty one if it was never set."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def clean(self):
        """Refuse a name on several lines: it is the sender's name of every email."""
        if len(self.name.splitlines()) > 1:
            raise ValidationError({"name": _("A name fits on one line.")})

    def missing(self) -> list[str]:
        """Return the names of the required fields left empty (name, postal address): what
        every campaign must say of who sends it, as the law asks. The one place this is
        checked: the dashboard warns with it."""
        return [
            str(field.verbose_name)
            for field in self._meta.fields
            if isinstance(field, (models.CharField, models.TextField))
            and not field.blank
            and not getattr(self, field.attname).strip()
        ]

    def sender_identity(self) -> str:
        """Return the line that names who writes: legal name and SIRET when given."""
        if not self.legal_name and not self.siret:
            return ""  # the name above already says who writes
        parts = [self.legal_name or self.name]
        if self.siret:
            parts.append(_("SIRET %(number)s") % {"number": self.siret})
        return " — ".join(part for part in parts if part)
