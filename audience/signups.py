"""Sign-ups from the public page (double opt-in): record one, send its email, confirm it.

1. `sign_up()` records what a person filled in, with the consent wording they were shown,
   and queues the confirmation email; nothing is created for an address already receiving
   the emails, nor past the rate limits (the visitor sees the same page either way).
2. `send_confirmation()` (a Celery task) sends the email once, through the campaigns'
   transports, with the link to /inscription/confirmer/<token>/. A task never queued (the
   broker out of reach) or lost (Redis restarted or flushed) is made up for by the beat:
   `resend_confirmations()` sends what has waited over a minute.
3. `confirm()` (the link's POST) makes the person a subscribed contact, basis consent,
   with the proof: form version and text, sign-up and confirmation times, IPs and browsers.
"""

import logging
import secrets
import time
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audience import confirming
from audience.confirming import Proof
from audience.forms import SignupForm
from audience.models import ConsentWording, MailStatus, Signup, SignupPage
from campaigns.choices import Outcome
from campaigns.models import Business
from campaigns.sending import layout
from campaigns.sending.compose import Rendered, mailbox, sender
from campaigns.sending.ratelimit import RateLimiter
from campaigns.sending.transports import Result, open_transport
from contacts import consent
from contacts.choices import ConsentBasis, ConsentMethod, EmailStatus, Source
from contacts.erasure import address_hash
from contacts.models import ConsentChange, Contact, ContactSource
from crm.errors import service_outage

logger = logging.getLogger(__name__)

# (tries, seconds): a person signs up once; a household or a shop's tablet a few times.
LIMIT_PER_IP = (10, 3600)
# Each try sends an email to the address: a stranger cannot flood someone's mailbox.
LIMIT_PER_ADDRESS = (3, 86400)
# How long a sign-up never confirmed is kept once its link has expired.
UNCONFIRMED_KEPT_DAYS = 30
# An email still waiting this long after it was due has lost its task: the beat sends it.
RESEND_AFTER = timedelta(minutes=1)
# How long a worker may take to hand an email over; past it, the worker is taken as gone.
SENDING_LEASE = timedelta(minutes=10)
# At most this many emails sent by one beat tick (the next tick sends the rest).
RESEND_BATCH = 50


def sign_up(form: SignupForm, proof: Proof) -> Signup | None:
    """Record the valid form's sign-up and queue its email; None if nothing is to be done."""
    data = form.cleaned_data
    if not within_limits(proof.ip, data["email"]):
        return None
    if Contact.objects.by_email(data["email"]).mailable().exists():
        return None  # already receives the emails: no second email, and nothing said
    stamp = form.shown()
    wording = _wording(stamp.version)
    signup = Signup.objects.create(
        email=data["email"], first_name=data["first_name"], last_name=data["last_name"],
        phone=data["phone"], language=stamp.language, form_version=wording.version,
        consent_text=wording.text(stamp.language), signed_up_at=proof.at,
        signup_ip=proof.ip, signup_user_agent=proof.user_agent,
    )  # fmt: skip
    transaction.on_commit(lambda: _queue_confirmation(signup.pk))
    return signup


def _queue_confirmation(signup_id: int) -> None:
    """Queue the sign-up's email; with the broker out of reach, leave it to the beat."""
    try:
        current_app.send_task("audience.tasks.send_confirmation", args=[signup_id])
    except Exception as error:
        if not service_outage(error):
            raise
        # The sign-up is saved and the visitor thanked: resend_confirmations() sends it.
        logger.warning("Sign-up %s: confirmation email not queued (%s); the beat will send it",
                       signup_id, error)  # fmt: skip


def within_limits(ip: str | None, email: str) -> bool:
    """Count one try from this IP and for this address; whether both stay within limits."""
    if ip and not _hit(f"audience:signup:ip:{ip}", *LIMIT_PER_IP):
        return False
    # The address is keyed-hashed, as the suppression list keeps it: the cache need not
    # hold it, nor a hash anyone could match by guessing addresses.
    return _hit(f"audience:signup:address:{address_hash(email)}", *LIMIT_PER_ADDRESS)


def _hit(key: str, limit: int, seconds: int) -> bool:
    """Count one try in the current window of `seconds` under `key`; whether it stays
    within `limit`.

    The window is in the key, so nothing depends on how long a counter lives: Django's
    file cache (the default without Redis) makes incr() set the default 5-minute timeout,
    which would otherwise have shortened a day's window to five minutes.
    """
    window = f"{key}:{int(time.time() // seconds)}"
    cache.add(window, 0, seconds)
    try:
        tries = cache.incr(window)
    except ValueError:  # gone between add and incr (a cleared cache): count from here
        cache.set(window, tries := 1, seconds)
    cache.touch(window, seconds)
    return tries <= limit


def _wording(version: int) -> ConsentWording:
    """Return the wording of `version`, or the current one if that version is unknown."""
    found = ConsentWording.objects.filter(version=version).first()
    if found is None:
        page = SignupPage.load()
        found = ConsentWording.objects.get(version=page.version)
    return found


def send_confirmation(signup_id: int) -> datetime | None:
    """Send the sign-up's confirmation email once; return when to try again, if it must.

    At most once, as the campaigns: a conditional update claims the row, so a task delivered
    twice (acks late), or the beat and a task at once, send once. A failure before the
    handover (Redis, the database, the server out of reach) puts it back in the queue; a
    worker that stopped during it leaves it uncertain, not sent again (`resend_confirmations`).
    """
    claimed = Signup.objects.filter(pk=signup_id, mail_status=MailStatus.QUEUED).update(
        mail_status=MailStatus.SENDING, mail_due_at=timezone.now() + SENDING_LEASE
    )
    if claimed != 1:
        return None
    try:
        signup = Signup.objects.get(pk=signup_id)
        come_back_at = RateLimiter().acquire()  # the campaigns' sending rate holds here too
        if come_back_at is not None:
            _set_mail(signup_id, MailStatus.QUEUED, mail_due_at=come_back_at)
            return come_back_at
        message = confirmation_email(signup)
        transport = open_transport()
    except Exception:
        _set_mail(signup_id, MailStatus.QUEUED, mail_due_at=timezone.now())  # not handed over
        raise
    try:
        result = transport.send(message)
    finally:
        transport.close()
    return _record(signup, result)


def _record(signup: Signup, result: Result) -> datetime | None:
    """Write what happened to the email; return when to try again, if it must."""
    match result.outcome:
        case Outcome.SENT:
            _set_mail(signup.pk, MailStatus.SENT, mailed_at=timezone.now())
        case Outcome.RETRY | Outcome.UNAVAILABLE:
            attempts = signup.mail_attempts + 1
            if attempts >= settings.CAMPAIGN_MAX_ATTEMPTS:
                _set_mail(signup.pk, MailStatus.FAILED, result.error, mail_attempts=attempts)
                return None
            wait = timedelta(seconds=settings.CAMPAIGN_RETRY_SECONDS * attempts)
            retry_at = timezone.now() + wait
            _set_mail(signup.pk, MailStatus.QUEUED, result.error, mail_attempts=attempts,
                      mail_due_at=retry_at)  # fmt: skip
            return retry_at
        case Outcome.UNCERTAIN:  # may have left: not sent again
            _set_mail(signup.pk, MailStatus.UNCERTAIN, result.error)
        case _:
            _set_mail(signup.pk, MailStatus.FAILED, result.error)
    return None


def _set_mail(signup_id: int, status: str, error: str = "", **fields) -> None:
    Signup.objects.filter(pk=signup_id, mail_status=MailStatus.SENDING).update(
        mail_status=status, mail_error=error[:500], **fields
    )


def resend_confirmations() -> int:
    """Send the emails of pending sign-ups whose task was lost; return how many were tried.

    Run by the beat: an email waiting over a minute past its time (never queued, the broker
    being out of reach, or wiped from Redis) is sent here. One left "being handed over" past
    its lease had its worker stop mid-way: it may have left, so it is not sent twice.
    """
    now = timezone.now()
    Signup.objects.filter(mail_status=MailStatus.SENDING, mail_due_at__lt=now).update(
        mail_status=MailStatus.UNCERTAIN, mail_error="worker stopped while handing it over"
    )
    late = now - RESEND_AFTER
    due = pending().filter(
        Q(mail_due_at__lt=late) | Q(mail_due_at=None, signed_up_at__lt=late),
        mail_status=MailStatus.QUEUED,
    )
    ids = list(due.order_by("signed_up_at").values_list("pk", flat=True)[:RESEND_BATCH])
    for signup_id in ids:
        try:
            send_confirmation(signup_id)  # a time to try again is in mail_due_at
        except Exception:
            logger.exception("Sign-up %s: confirmation email not sent", signup_id)
    return len(ids)


def confirmation_email(signup: Signup) -> Rendered:
    """Return the email asking the person to confirm, in the language of their sign-up."""
    business = Business.load()
    name, address = sender(None)
    from_email = mailbox(business.name or name, address)
    url = f"{confirming.confirm_url('signup', signup.pk)}?lang={signup.language}"
    context = {
        "business": business, "signup": signup, "url": url,
        "logo_url": layout.logo_url(business), "days": settings.SIGNUP_CONFIRM_DAYS,
        "language": signup.language,
    }  # fmt: skip
    with translation.override(signup.language):
        subject = _("Confirm your sign-up to the emails of %(name)s") % {
            "name": business.name or name
        }
        text = render_to_string("audience/emails/confirm.txt", context)
        html = render_to_string("audience/emails/confirm.html", context)
    domain = address.rpartition("@")[2] or "localhost"
    message_id = f"<signup.{signup.pk}.{secrets.token_hex(6)}@{domain}>"
    headers = {"Message-ID": message_id, "Auto-Submitted": "auto-generated"}
    return Rendered(from_email=from_email, to=signup.email, subject=" ".join(subject.split()),
                    text=text, html=html, headers=headers)  # fmt: skip


def confirm(pk: int, proof: Proof) -> Contact | None:
    """Make the sign-up's person a subscribed contact, with the proof; None if it is gone.

    Confirming again is harmless: it returns the contact the first confirmation made.
    """
    with transaction.atomic():
        # Locked: two clicks at once (a double tap, two tabs) confirm once.
        signup = Signup.objects.select_for_update().filter(pk=pk).first()
        if signup is None or signup.confirmed_at is not None:
            return signup.contact if signup else None
        signup.confirmed_at, signup.confirm_ip = proof.at, proof.ip
        signup.confirm_user_agent = proof.user_agent
        signup.contact = _subscribe(signup)
        signup.save(update_fields=["confirmed_at", "confirm_ip", "confirm_user_agent", "contact"])
    return signup.contact


def _subscribe(signup: Signup) -> Contact:
    """Create or update the sign-up's contact as subscribed on consent, with the proof."""
    how = ConsentChange(
        how=ConsentMethod.FORM, ip=signup.confirm_ip, proof_at=signup.signed_up_at,
        proof_form=f"inscription v{signup.form_version}", detail=proof_detail(signup),
    )  # fmt: skip
    contact = _contact_for(signup)
    try:
        with transaction.atomic():
            consent.change(contact, status=EmailStatus.SUBSCRIBED, basis=ConsentBasis.CONSENT,
                           how=how)  # fmt: skip
    except IntegrityError:
        # Another sign-up of this new address was confirmed at the same moment and made
        # the contact first (the address is unique): this one updates it.
        contact = _contact_for(signup)
        consent.change(contact, status=EmailStatus.SUBSCRIBED, basis=ConsentBasis.CONSENT,
                       how=how)  # fmt: skip
    ContactSource.objects.get_or_create(contact=contact, source=Source.FORM)
    return contact


def _contact_for(signup: Signup) -> Contact:
    """Return the contact of the sign-up's address, blanks filled in; a new one, unsaved."""
    contact = Contact.objects.by_email(signup.email).first()
    given = {"first_name": signup.first_name, "last_name": signup.last_name,
             "phone": signup.phone, "language": signup.language}  # fmt: skip
    if contact is None:
        return Contact(email=signup.email, **given)
    # What the owner recorded stays; the form only fills what was empty.
    blanks = [name for name, value in given.items() if value and not getattr(contact, name)]
    for name in blanks:
        setattr(contact, name, given[name])
    if blanks:
        contact.save(update_fields=[*blanks, "updated_at"])
    return contact


def proof_detail(signup: Signup) -> str:
    """Say in words what the person agreed to, when and from where (in the owner's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return "\n".join([
            _("Consent text (version %(version)s): “%(text)s”")
            % {"version": signup.form_version, "text": signup.consent_text},
            _("Signed up on %(when)s from %(ip)s, browser: %(browser)s")
            % _where(signup.signed_up_at, signup.signup_ip, signup.signup_user_agent),
            _("Confirmed on %(when)s from %(ip)s, browser: %(browser)s")
            % _where(signup.confirmed_at, signup.confirm_ip, signup.confirm_user_agent),
        ])  # fmt: skip


def _where(at: datetime, ip: str | None, browser: str) -> dict:
    return {
        "when": date_format(timezone.localtime(at), "j F Y, H:i:s T"),
        "ip": ip or _("an unknown address"),
        "browser": browser or _("unknown"),
    }


def forget_unconfirmed() -> int:
    """Delete the sign-ups never confirmed, a month after their link expired; return how many.

    They hold a person's address and name without their consent: kept a while to answer
    "did someone sign me up?", not for ever.
    """
    days = settings.SIGNUP_CONFIRM_DAYS + UNCONFIRMED_KEPT_DAYS
    old = timezone.now() - timedelta(days=days)
    deleted, _ = Signup.objects.filter(confirmed_at=None, signed_up_at__lt=old).delete()
    return deleted


def pending():
    """Return the sign-ups waiting for their confirmation: not confirmed, link still valid."""
    return Signup.objects.filter(confirmed_at=None, signed_up_at__gte=pending_since())


def pending_since() -> datetime:
    """Return the time before which a sign-up's link has expired (to the minute)."""
    since = timezone.now() - timedelta(days=settings.SIGNUP_CONFIRM_DAYS)
    return since.replace(second=0, microsecond=0)


def this_week() -> int:
    """Return how many sign-ups were confirmed in the last 7 days."""
    since = timezone.now() - timedelta(days=7)
    return Signup.objects.filter(confirmed_at__gte=since).count()
