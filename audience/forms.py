"""The public sign-up form, and the guards that tell a person from a bot without a third party.

- A honeypot: a field named `website`, hidden from people (and from screen readers), which
  bots fill in.
- A stamp: a signed value the form carries, naming the consent wording shown (version and
  language) and, on Carnet's own page, when the page was made. A POST sent sooner than
  MIN_FILL_SECONDS after it came from a program, not a person typing.
  The snippet embedded in the business's own website is copied once and lives for months:
  its stamp holds no time (`embedded`), so for it the time check cannot apply, and the
  honeypot and the rate limits (audience.signups) guard alone. A POST with no valid stamp
  at all did not come from either form: it is a bot's.
"""

import time
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from audience.models import Signup
from contacts.phones import normalise_phone

MIN_FILL_SECONDS = 3
# A page's stamp is good for a day: a bot cannot fetch the page once and post for ever.
MAX_STAMP_AGE_SECONDS = 86400
HONEYPOT = "website"
_SALT = "carnet.audience.stamp"


@dataclass(frozen=True)
class Stamp:
    """What a form says it showed: the consent wording (version, language) and when."""

    version: int
    language: str
    made_at: float | None  # None: the embedded snippet, which holds no time

    def sign(self) -> str:
        return signing.dumps([self.version, self.language, self.made_at], salt=_SALT)

    def too_fast(self) -> bool:
        return self.made_at is not None and time.time() - self.made_at < MIN_FILL_SECONDS

    def too_old(self) -> bool:
        return self.made_at is not None and time.time() - self.made_at > MAX_STAMP_AGE_SECONDS


def page_stamp(version: int, language: str) -> Stamp:
    return Stamp(version, language, time.time())


def read_stamp(value: str) -> Stamp | None:
    """Return the stamp a form carried, or None if it is missing or forged."""
    try:
        version, language, made_at = signing.loads(value, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(version, int) or language not in dict(settings.LANGUAGES):
        return None
    if made_at is not None and not isinstance(made_at, int | float):
        return None
    return Stamp(version, language, made_at)


class SignupForm(forms.ModelForm):
    consent = forms.BooleanField(required=True)
    # The honeypot: left empty by people, who never see it.
    website = forms.CharField(required=False)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Signup
        fields = ("email", "first_name", "last_name", "phone")
        labels = {
            "email": _("Your email address"),
            "first_name": _("First name"),
            "last_name": _("Last name (optional)"),
            "phone": _("Phone (optional)"),
        }

    def __init__(self, *args, consent_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_label
        self.fields["consent"].error_messages["required"] = _(
            "Tick the box to say you agree to receive our emails."
        )
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["first_name"].widget.attrs.update(autocomplete="given-name")
        self.fields["last_name"].widget.attrs.update(autocomplete="family-name")
        self.fields["phone"].widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        self.fields[HONEYPOT].widget.attrs.update(tabindex="-1", autocomplete="off")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def is_bot(self) -> bool:
        """Whether the POST came from a program: honeypot filled, no stamp, too fast or a
        stamp older than a day."""
        if self.data.get(HONEYPOT, "").strip():
            return True
        stamp = read_stamp(self.data.get("stamp", ""))
        return stamp is None or stamp.too_fast() or stamp.too_old()

    def shown(self) -> Stamp | None:
        """Return the stamp of the form the person saw (valid, as is_bot() checked)."""
        return read_stamp(self.data.get("stamp", ""))

    def restamp(self, version: int, language: str) -> None:
        """Stamp the form sent back for correction with the wording it now shows; the
        time stays when the page was first shown (now, if it carried no valid stamp)."""
        shown = self.shown()
        made_at = shown.made_at if shown else time.time()
        self.data = self.data.copy()
        self.data["stamp"] = Stamp(version, language, made_at).sign()
