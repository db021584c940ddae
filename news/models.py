from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.templating import compile_template
from news import channels
from news.defaults import TEXTS

FIELDS_HELP = _(
    "Filled in when the notice is sent: {{ channels }} (every way to reach you set in "
    "“Your business”: phone, website, Telegram, Signal, WhatsApp), {{ news_url }} (your news "
    "page), {{ phone }}, {{ website }}, {{ business_name }}. And, for each client, "
    "{{ first_name }}, {{ last_name }}, {{ company }}."
)


class NoticeTemplate(models.Model):
    """The outage notice's text in one language, ready to send (one row per language)."""

    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, unique=True, editable=False
    )
    subject = models.CharField(_("subject"), max_length=255)
    html_body = models.TextField(_("message (HTML)"), help_text=FIELDS_HELP)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("outage notice text")
        verbose_name_plural = _("outage notice texts")
        ordering = ["-language"]  # French, the business's language, before English

    def __str__(self):
        return str(self.get_language_display())

    @classmethod
    def load(cls, language: str) -> "NoticeTemplate":
        """Return the text in `language`, created from the default text on first use."""
        template, _created = cls.objects.get_or_create(
            language=language, defaults=TEXTS.get(language, TEXTS["en"])
        )
        return template

    def clean(self):
        """Refuse what a campaign could not send (the business's fields count as text)."""
        errors = {}
        sample = dict.fromkeys(channels.FIELDS, "x")
        for name in ("subject", "html_body"):
            try:
                compile_template(channels.fill(getattr(self, name), sample))
            except ValidationError as e:
                errors[name] = e.messages
        if errors:
            raise ValidationError(errors)
