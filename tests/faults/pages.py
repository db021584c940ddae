"""Every page of Carnet, for the tests that walk them all (CSRF, XSS, CSP).

`seed(say)` makes one of everything an admin or public page shows, each text field
written by `say(where, size)` (plain words by default, attacks in the XSS test);
`patterns()` walks the URL resolver, admin and its custom views included; `url_of()`
builds a pattern's address from the seeded objects and tokens, and refuses a pattern it
does not know how to fill, so that a new URL is walked as soon as it exists.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern
from django.utils import timezone

Say = Callable[[str, int], str]


def plain(where: str, size: int) -> str:
    """Write a field in plain words (its name, cut to its length); a link field, a link."""
    if is_link(where):
        return f"https://exemple.fr/{where}"
    return f"Texte {where}"[:size]


def is_link(where: str) -> bool:
    """Whether the field `where` ("model.field") holds a web address."""
    return where.endswith((".website", "_url"))


@dataclass
class Seeded:
    """What `seed()` made, by name, and the text written into each field."""

    objects: dict = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.objects[name]


class _Writer:
    def __init__(self, say: Say, seeded: Seeded):
        self.say, self.seeded = say, seeded

    def fill(self, obj, *names: str, prefix: str = "") -> None:
        """Write each named text field of `obj` with what `say` gives for it."""
        for name in names:
            size = obj._meta.get_field(name).max_length or 2000
            where = f"{prefix or obj._meta.model_name}.{name}"
            setattr(obj, name, self.text(where, size))

    def text(self, where: str, size: int) -> str:
        self.seeded.texts[where] = text = self.say(where, size)
        return text


def seed(say: Say = plain, owner: User | None = None) -> Seeded:
    """Make one of every object the pages show, their text fields written by `say`."""
    seeded = Seeded()
    write = _Writer(say, seeded)
    _seed_contacts(write, seeded, owner)
    _seed_campaigns(write, seeded, owner)
    _seed_audience(write, seeded)
    _seed_imports(write, seeded, owner)
    _seed_accounts(write, seeded, owner)
    return seeded


def _seed_contacts(write: _Writer, seeded: Seeded, owner) -> None:
    from contacts.models import (
        Activity,
        Company,
        ConsentEvent,
        Contact,
        ContactPoint,
        Handle,
        Note,
        Segment,
        Tag,
    )

    company = Company()
    write.fill(company, "name", "website")
    company.save()
    tag = Tag()
    write.fill(tag, "name")
    tag.save()
    contact = Contact(email="elodie@exemple.fr", company=company, country="FR", language="fr",
                      email_status="subscribed", consent_basis="consent")  # fmt: skip
    write.fill(contact, "first_name", "last_name", "phone", "job_title", "city", "postcode",
               "notes")  # fmt: skip
    contact.save()
    contact.tags.add(tag)
    handle = Handle(contact=contact, network="website")
    write.fill(handle, "value")
    handle.save()
    Handle.objects.create(contact=contact, network="linkedin", value="javascript:alert(1)//")
    point = ContactPoint(contact=contact, kind="phone", understood=False)
    write.fill(point, "value", "label")
    point.save()
    note = Note(contact=contact, author=owner)
    write.fill(note, "body")
    note.save()
    activity = Activity(contact=contact, kind=Activity.Kind.TAGGED, by=owner)
    write.fill(activity, "detail")
    activity.save()
    event = ConsentEvent(contact=contact, to_status="subscribed", basis="consent", how="form",
                         proof_at=timezone.now(), ip="203.0.113.7", by=owner)  # fmt: skip
    write.fill(event, "proof_file_name", "proof_form", "detail")
    event.save()
    _seed_other_people(write, company)
    segment = Segment()
    write.fill(segment, "name")
    segment.save()
    segment.tags_any.add(tag)
    seeded.objects.update(contact=contact, company=company, tag=tag, consentevent=event,
                          segment=segment, note=note)  # fmt: skip


def _seed_other_people(write: _Writer, company) -> None:
    """A prospect the invitation page shows, and a follower the social-only page lists."""
    from contacts.models import Contact, Handle

    prospect = Contact(email="paul@exemple.fr", company=company, email_status="no_consent")
    write.fill(prospect, "first_name", "last_name", prefix="prospect")
    prospect.save()
    follower = Contact()
    write.fill(follower, "first_name", "last_name", prefix="follower")
    follower.save()
    handle = Handle(contact=follower, network="instagram")
    write.fill(handle, "value", prefix="follower_handle")
    handle.save()
    Handle.objects.create(contact=follower, network="website", value="javascript:alert(3)//")


def _seed_campaigns(write: _Writer, seeded: Seeded, owner) -> None:
    from campaigns import unsubscribe
    from campaigns.models import Business, Campaign, Delivery, TrackingEvent
    from news.models import NoticeTemplate

    business = Business(siret="12345678901234")
    write.fill(business, "name", "legal_name", "postal_address", "phone", "website",
               "telegram_url", "signal_url", "whatsapp_url")  # fmt: skip
    business.save()
    fields = {"from_email": "bonjour@boulangerie-lefevre.fr", "created_by": owner,
              "body_format": "html"}  # fmt: skip
    campaign = Campaign(**fields, public=True, status="sent", started_at=timezone.now(),
                        finished_at=timezone.now())  # fmt: skip
    _write_campaign(write, campaign, "campaign")
    campaign.save()
    draft = Campaign(**fields)
    _write_campaign(write, draft, "draft")
    draft.save()
    draft.tags.add(seeded["tag"])
    draft.segments.add(seeded["segment"])
    notice = Campaign(**fields, kind="outage", status="sending", public=True,
                      started_at=timezone.now())  # fmt: skip
    _write_campaign(write, notice, "notice")
    notice.save()
    contact = seeded["contact"]
    delivery = Delivery(campaign=campaign, contact=contact, email=contact.email, status="failed",
                        sent_at=timezone.now())  # fmt: skip
    write.fill(delivery, "error")
    delivery.save()
    event = TrackingEvent(esp="mailgun", event_id="e1", event_type="bounced",
                          at=timezone.now(), delivery=delivery)  # fmt: skip
    write.fill(event, "recipient", "detail")
    event.save()
    for language in ("fr", "en"):
        text = NoticeTemplate.load(language)
        write.fill(text, "subject", "html_body", prefix=f"noticetemplate_{language}")
        text.save()
    seeded.tokens["unsubscribe"] = unsubscribe.make_token(contact.pk, campaign.pk)
    seeded.objects.update(business=business, campaign=campaign, draft=draft, notice=notice,
                          delivery=delivery, noticetemplate=text)  # fmt: skip


def _write_campaign(write: _Writer, campaign, prefix: str) -> None:
    write.fill(campaign, "name", "subject", "preheader", "from_name", "html_body", "text_body",
               "paused_reason", "sending_problem", prefix=prefix)  # fmt: skip


def _seed_audience(write: _Writer, seeded: Seeded) -> None:
    from audience import confirming
    from audience.models import Signup, SignupPage

    page = SignupPage.load()
    write.fill(page, "intro_fr", "intro_en", "consent_fr", "consent_en")
    page.save()
    signup = Signup(email="lea@exemple.fr", language="fr", form_version=page.version,
                    signup_ip="203.0.113.8")  # fmt: skip
    write.fill(signup, "first_name", "last_name", "phone", "consent_text", "signup_user_agent",
               "mail_error")  # fmt: skip
    signup.save()
    seeded.tokens["signup_confirm"] = confirming.make_token("signup", signup.pk)
    seeded.objects.update(signuppage=page, signup=signup)


def _seed_imports(write: _Writer, seeded: Seeded, owner) -> None:
    from contacts.importing import jobs, uploads
    from contacts.models import ImportJob

    done = ImportJob(status=ImportJob.Status.DONE, format="csv", by=owner, rows_total=2,
                     errors=1, finished_at=timezone.now())  # fmt: skip
    write.fill(done, "file_names", "failure")
    name, reason = write.text("importjob.report.file", 255), write.text("importjob.reason", 500)
    done.report = {"errors": [{"file": name, "line": 2, "reason": reason}],
                   "problems": [{"file": name, "line": 3, "reason": reason}]}  # fmt: skip
    done.files = [[name, "/nulle/part.csv"]]
    done.save()
    file_name = write.text("upload.name", 120).replace("/", "∕")
    first, last = write.text("upload.first_name", 150), write.text("upload.last_name", 150)
    rows = f'Prénom,Nom,E-mail\r\n"{_csv(first)}","{_csv(last)}",marc@exemple.fr\r\n'
    stored = uploads.store(SimpleUploadedFile(f"{file_name}.csv", rows.encode()))
    draft = jobs.prepare([(f"{file_name}.csv", stored)], by=owner)
    draft.status = ImportJob.Status.DRAFT
    draft.save()
    seeded.objects.update(importjob=done, importjob_draft=draft, upload=Path(stored))


def _csv(value: str) -> str:
    return value.replace('"', '""')


def _seed_accounts(write: _Writer, seeded: Seeded, owner) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User(username="bob-seeded", email="bob@exemple.fr", is_staff=True)
    write.fill(user, "first_name", "last_name")
    user.set_unusable_password()
    user.save()
    group = Group()
    write.fill(group, "name")
    group.save()
    user.groups.add(group)
    device = TOTPDevice(user=user, confirmed=False)
    write.fill(device, "name")
    device.save()
    if owner is not None:  # the contact's history: what the owner changed, in its words
        contact = seeded["contact"]
        kind = ContentType.objects.get_for_model(contact)
        entry = LogEntry(user=owner, action_flag=CHANGE, object_id=str(contact.pk),
                         content_type=kind)  # fmt: skip
        write.fill(entry, "object_repr", "change_message")
        entry.save()
    seeded.objects.update(user=user, group=group, totpdevice=device)


# --- the URL patterns ------------------------------------------------------------------


def patterns() -> list[tuple[str, URLPattern]]:
    """Return every URL pattern of the site, with its whole route, admin included."""
    found = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern, route)
            else:
                found.append((route, pattern))

    walk(get_resolver(), "")
    return found


class UnknownPattern(LookupError):
    """A URL pattern whose arguments the walker cannot fill: teach it (below)."""


_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")
# The regular-expression routes of the admin, by their name, and what fills them.
_REGEX_ROUTES = {"app_list": "admin/contacts/", None: "admin/nulle-part/"}
# Custom admin views whose <pk> is not an object of the model in their route.
_PK_OF = {"outage_resolve": "notice", "contacts_importjob_preview": "importjob_draft"}
# Public tokens, by the name of the view that reads them.
_TOKENS = {"unsubscribe": "unsubscribe", "signup_confirm": "signup_confirm"}


def url_of(route: str, pattern: URLPattern, seeded: Seeded) -> str:
    """Return an address that reaches `pattern`, its arguments taken from `seeded`.

    Raise UnknownPattern when an argument is new to the walker; AssertionError when the
    address built resolves to another pattern.
    """
    if isinstance(pattern.pattern, RegexPattern):
        if pattern.name not in _REGEX_ROUTES:
            raise UnknownPattern(f"a regular expression the walker cannot fill: {route}")
        url = "/" + _REGEX_ROUTES[pattern.name]
    else:
        url = "/" + _PARAMETER.sub(lambda m: str(_argument(m["name"], route, pattern, seeded)),
                                   route)  # fmt: skip
    found = resolve(url.split("?")[0])
    same_route = found.route == route.replace("/^", "/")  # resolve() drops a regex's ^
    assert found.func is pattern.callback and same_route, (url, route, found.route)
    return url


def _argument(name: str, route: str, pattern: URLPattern, seeded: Seeded):
    if name == "token" and pattern.name in _TOKENS:
        return seeded.tokens[_TOKENS[pattern.name]]
    if name in ("object_id", "pk", "id"):
        return _object_for(route, pattern, seeded).pk
    fixed = {"action": "pause", "fmt": "json"}
    if name in fixed:
        return fixed[name]
    if name == "content_type_id":
        return ContentType.objects.get_for_model(seeded["contact"]).pk
    raise UnknownPattern(f"the walker cannot fill <{name}> in {route} ({pattern.name})")


def _object_for(route: str, pattern: URLPattern, seeded: Seeded):
    if pattern.name in _PK_OF:
        return seeded[_PK_OF[pattern.name]]
    if route.startswith("admin/r/"):  # view_on_site: <content_type_id>/<object_id>
        return seeded["contact"]
    match = _ADMIN_MODEL.match(route)
    if match is None:
        raise UnknownPattern(f"no object for {route} ({pattern.name})")
    model = apps.get_model(match["app"], match["model"])
    obj = model.objects.order_by("pk").first()
    if obj is None:
        raise UnknownPattern(f"seed() makes no {model.__name__} for {route}")
    return obj


def every_url(seeded: Seeded) -> list[tuple[str, URLPattern, str]]:
    """Return (route, pattern, address) for every URL pattern of the site."""
    return [(route, pattern, url_of(route, pattern, seeded)) for route, pattern in patterns()]


def discard(seeded: Seeded) -> None:
    """Remove the seeded upload (a file under VAR_DIR/imports) that the database outlives."""
    from contacts.importing import uploads

    uploads.discard(seeded["upload"])
