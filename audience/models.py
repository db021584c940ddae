from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact

# The page's first words, in the business's two languages; the owner rewrites them.
INTRO = {
    "fr": "Recevez nos nouvelles par e-mail : nouveautés, offres et informations pratiques, "
    "même le jour où les réseaux sociaux ne répondent plus.",
    "en": "Get our news by email: what is new, our offers and practical information, even "
    "on the day social networks go dark.",
}
CONSENT = {
    "fr": "J’accepte de recevoir par e-mail les nouvelles et les offres de cette entreprise. "
    "Je peux me désinscrire à tout moment grâce au lien présent dans chaque e-mail.",
    "en": "I agree to receive this business’s news and offers by email. I can unsubscribe "
    "at any time through the link in every email.",
}


class SignupPage(models.Model):
    """The public sign-up page's texts; one row only (pk 1), see `SignupPage.load()`."""

    intro_fr = models.TextField(
        _("introduction (French)"), max_length=600, default=INTRO["fr"],
        help_text=_("A few words above the form: what people will receive."),
    )  # fmt: skip
    intro_en = models.TextField(_("introduction (English)"), max_length=600, default=INTRO["en"])
    consent_fr = models.TextField(
        _("consent checkbox (French)"), max_length=600, default=CONSENT["fr"],
        help_text=_("What people agree to by ticking the box. Each change is kept: every "
                    "sign-up records the words it was given."),
    )  # fmt: skip
    consent_en = models.TextField(
        _("consent checkbox (English)"), max_length=600, default=CONSENT["en"]
    )
    version = models.PositiveIntegerField(_("wording version"), default=1, editable=False)

    class Meta:
        verbose_name = _("sign-up page")
        verbose_name_plural = _("sign-up page")

    def __str__(self):
        return str(_("Sign-up page"))

    def save(self, *args, **kwargs):
        """Save; a new consent wording gets the next version, kept in ConsentWording."""
        self.pk = 1  # one sign-up page per Carnet
        with transaction.atomic():
            # Locked: two owners saving at once must not both take the same next version.
            saved = SignupPage.objects.select_for_update().filter(pk=1).first()
            if saved is not None:
                changed = (saved.consent_fr, saved.consent_en) != (self.consent_fr,
                                                                    self.consent_en)  # fmt: skip
                self.version = saved.version + 1 if changed else saved.version
            super().save(*args, **kwargs)
            ConsentWording.objects.get_or_create(
                version=self.version, defaults={"fr": self.consent_fr, "en": self.consent_en}
            )

    @classmethod
    def load(cls) -> "SignupPage":
        """Return the page, created with its default texts on first use."""
        page = cls.objects.filter(pk=1).first()
        if page is None:
            page, _created = cls.objects.get_or_create(pk=1)
        return page

    def intro(self, language: str) -> str:
        return self.intro_en if language == "en" else self.intro_fr

    def consent(self, language: str) -> str:
        return self.consent_en if language == "en" else self.consent_fr


class ConsentWording(models.Model):
    """One version of the consent checkbox's words, as people were shown it."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    fr = models.TextField(_("French"))
    en = models.TextField(_("English"))
    since = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version}"

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.fr


class MailStatus(models.TextChoices):
    """Where the confirmation email stands: queued → sending → sent | uncertain | failed,
    or sending → queued when the server asked to try again later."""

    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being handed over")
    SENT = "sent", _("Email sent")
    UNCERTAIN = "uncertain", _("Outcome unknown")
    FAILED = "failed", _("Could not be sent")


class Signup(models.Model):
    """Someone who filled the public form; a contact once they confirm (double opt-in)."""

    email = models.EmailField(_("email address"))
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    form_version = models.PositiveIntegerField(_("form version"))
    consent_text = models.TextField(_("consent text shown"))
    signed_up_at = models.DateTimeField(_("signed up"), default=timezone.now, db_index=True)
    signup_ip = models.GenericIPAddressField(_("sign-up IP address"), null=True, blank=True)
    signup_user_agent = models.CharField(_("sign-up browser"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, db_index=True)
    confirm_ip = models.GenericIPAddressField(_("confirmation IP address"), null=True, blank=True)
    confirm_user_agent = models.CharField(_("confirmation browser"), max_length=300, blank=True)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="signups",
    )  # fmt: skip
    mail_status = models.CharField(
        _("confirmation email"), max_length=10, choices=MailStatus.choices,
        default=MailStatus.QUEUED,
    )  # fmt: skip
    mail_attempts = models.PositiveSmallIntegerField(_("failed tries"), default=0)
    mail_error = models.CharField(_("error"), max_length=500, blank=True)
    mailed_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    # Waiting: when the email is due (none: at sign-up); being handed over: when the
    # worker's lease ends. The beat sends what a lost task left waiting (audience.signups).
    mail_due_at = models.DateTimeField(_("email due"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["-signed_up_at"]

    def __str__(self):
        return self.email
