"""Roles (issue 13, defect 9): each role is refused what it may not do, on every admin URL.

The cast: alice is the administrator (a superuser, as `ensure_admin` makes her); olivia is
in « Propriétaire »; mathis in « Marketing »; sarah in « Marketing » and may send; victor in
« Lecture seule ». The walk opens every admin URL the resolver knows (tests.faults.pages)
as each of them and compares with a table of who may; a URL or a model the table does not
name fails the test, so that a new page is covered the day it exists.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Delivery
from contacts.models import Contact, ImportJob, Tag
from crm import roles
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact
from tests.faults import pages
from tests.helpers import save_business

pytestmark = pytest.mark.django_db

CAST = {"olivia": "owner", "mathis": "marketer", "sarah": "sender", "victor": "viewer"}
EVERYONE = frozenset(CAST)
MARKETING = frozenset({"olivia", "mathis", "sarah"})
SENDERS = frozenset({"olivia", "sarah"})
OWNERS = frozenset({"olivia"})

# Who may open each custom page (the administrator may open every page that opens at all).
FOR_EVERYONE = ("index", "settings", "dashboard_recount", "login", "password_change", "jsi18n",
                "password_change_done", "autocomplete", "view_on_site", "app_list",
                "social_only", "contacts_contact_retention", "contacts_segment_count",
                "contacts_importjob_progress", "campaigns_campaign_preview",
                "campaigns_campaign_audience_count", "campaigns_campaign_progress",
                "campaigns_campaign_report")  # fmt: skip
FOR_MARKETING = ("invite_no_consent", "contacts_contact_merge", "contacts_contact_erase",
                 "contacts_contact_personal_data", "contacts_importjob_upload",
                 "contacts_importjob_preview", "contacts_importjob_errors",
                 "campaigns_campaign_test", "campaigns_campaign_act",
                 "outage_resolve")  # fmt: skip
PAGES = {
    **dict.fromkeys(FOR_EVERYONE, EVERYONE),
    **dict.fromkeys(FOR_MARKETING, MARKETING),
    "outage_notice": SENDERS,
    "two_step": OWNERS,
    # The walk's user is the first, alice: an administrator's account is hers alone.
    "auth_user_password_change": frozenset(),
    "auth_user_delete": frozenset(),
}
SKIPPED = {"logout"}  # would end the session the walk goes on with
CATCH_ALL = "admin/(?P<url>.*)$"  # an address the admin does not know: "not found" for all

# What Marketing and a reader may do with each model: v(iew), a(dd), c(hange), d(elete).
# Owners may do everything; a model's admin may refuse anyone more (Delivery is read-only).
MODELS = {
    "contacts.contact": ("vacd", "v"),
    "contacts.company": ("vacd", "v"),
    "contacts.tag": ("vacd", "v"),
    "contacts.segment": ("vacd", "v"),
    "contacts.consentevent": ("v", "v"),
    "contacts.importjob": ("vd", "v"),
    "campaigns.campaign": ("vacd", "v"),
    "campaigns.delivery": ("v", "v"),
    "campaigns.business": ("v", "v"),
    "audience.signuppage": ("vc", "v"),
    "audience.signup": ("v", "v"),
    "news.noticetemplate": ("vc", "v"),
    "auth.user": ("", ""),
    "auth.group": ("", ""),
    "otp_totp.totpdevice": ("", ""),
}
VERBS = {"changelist": "v", "change": "v", "history": "v", "add": "a", "delete": "d"}


@pytest.fixture
def cast(alice) -> dict[str, User]:
    users = {"alice": alice}
    for name, code in CAST.items():
        user = User.objects.create_user(name, f"{name}@exemple.fr")  # force_login: no hashing
        role = roles.MARKETER if code == "sender" else roles.by_code(code)
        roles.set_role(user, role, may_send=code == "sender")
        users[name] = user
    return users


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def may(name: str, pattern_name: str | None, route: str) -> bool:
    """Tell whether the table lets `name` open the page (the admin's own refusals aside)."""
    if route == CATCH_ALL:
        return True
    if pattern_name in PAGES:
        return name in PAGES[pattern_name]
    app, model, *_rest = route.removeprefix("admin/").split("/")
    # A page of a model's own but none of Django's five: name it in PAGES (KeyError here).
    verb = VERBS[pattern_name.rsplit("_", 1)[1]] if pattern_name else "v"
    if name == "olivia":
        return True
    marketing, reading = MODELS[f"{app}.{model}"]
    return verb in (marketing if name in MARKETING else reading)


def outcome(client: Client, url: str, follow: bool) -> str:
    """Open `url` (POST where GET is not allowed), changing nothing; say how it answered."""
    with transaction.atomic():
        response = client.get(url, follow=follow)
        if response.status_code == 405:
            response = client.post(url, follow=follow)
        transaction.set_rollback(True)
    assert response.status_code < 500, url
    login = response.status_code == 302 and response["Location"].startswith("/admin/login/")
    return "refused" if response.status_code == 403 or login else "answered"


def test_every_admin_url_answers_each_role_as_the_table_says(cast):
    """GET (POST where only POST is allowed) every admin URL as each role."""
    seeded = pages.seed(owner=cast["alice"])
    try:
        urls = [
            (route, pattern, url)
            for route, pattern, url in pages.every_url(seeded)
            if route.startswith("admin/") and pattern.name not in SKIPPED
        ]
        clients = {name: as_(user) for name, user in cast.items()}
        wrong = []
        for route, pattern, url in urls:
            follow = pattern.name is None  # a model's old address: it redirects to its page
            opens = outcome(clients["alice"], url, follow) == "answered"
            for name in CAST:
                expected = "answered" if opens and may(name, pattern.name, route) else "refused"
                got = outcome(clients[name], url, follow)
                if got != expected:
                    wrong.append(f"{name} ({CAST[name]}) {url}: {got}, expected {expected}")
    finally:
        pages.discard(seeded)
    assert len(urls) > 60
    assert wrong == []


def test_the_table_names_every_model_of_the_admin():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(MODELS)


# --- exports ----------------------------------------------------------------------------

EXPORTS = ("export_csv", "export_json", "export_vcard")


def _act_on_contacts(client: Client, action: str, contacts, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in contacts], **extra}
    return client.post(reverse("admin:contacts_contact_changelist"), data)


def _delete_tags(client: Client) -> None:
    """Delete every tag at once, confirmed (contacts have a consent history nobody deletes:
    a person is erased, one at a time)."""
    chosen = [tag.pk for tag in Tag.objects.all()]
    data = {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    client.post(reverse("admin:contacts_tag_changelist"), data)


def _actions_offered(client: Client) -> set[str]:
    page = client.get(reverse("admin:contacts_contact_changelist")).content.decode()
    return {action for action in (*EXPORTS, "delete_selected") if f'value="{action}"' in page}


def _downloads(response) -> bool:
    return response.get("Content-Disposition", "").startswith("attachment")


@pytest.fixture
def elodie(db) -> Contact:
    return make_contact(first_name="Élodie", email="elodie@exemple.fr")


@pytest.fixture
def errors_job(db) -> ImportJob:
    report = {"errors": [{"file": "clients.csv", "line": 2, "reason": "Adresse illisible"}]}
    return ImportJob.objects.create(status="done", format="csv", errors=1, report=report)


def test_a_reader_exports_nothing(cast, elodie, errors_job):
    victor = as_(cast["victor"])
    for action in EXPORTS:
        assert not _downloads(_act_on_contacts(victor, action, [elodie])), action
    assert _actions_offered(victor) == set()
    for fmt in ("json", "vcard"):
        url = reverse("admin:contacts_contact_personal_data", args=[elodie.pk, fmt])
        assert victor.get(url).status_code == 403
    errors = reverse("admin:contacts_importjob_errors", args=[errors_job.pk])
    assert victor.get(errors).status_code == 403
    page = victor.get(reverse("admin:contacts_contact_change", args=[elodie.pk])).text
    assert "export-data-json" not in page and "Élodie" in page
    report = victor.get(reverse("admin:contacts_importjob_change", args=[errors_job.pk])).text
    assert "errors-csv" not in report and "Adresse illisible" in report


def test_marketing_exports_no_list_deletes_one_at_a_time_and_manages_no_user(
    cast, elodie, errors_job
):
    mathis, other = as_(cast["mathis"]), make_contact(first_name="Marc", tags=["VIP", "Salon"])
    for action in EXPORTS:
        assert not _downloads(_act_on_contacts(mathis, action, [elodie, other])), action
    _delete_tags(mathis)
    assert Tag.objects.count() == 2
    assert _actions_offered(mathis) == set()
    # One person's data, on their request, and one contact at a time, they may.
    url = reverse("admin:contacts_contact_personal_data", args=[elodie.pk, "json"])
    assert _downloads(mathis.get(url))
    errors = reverse("admin:contacts_importjob_errors", args=[errors_job.pk])
    assert mathis.get(errors).status_code == 200
    mathis.post(reverse("admin:contacts_contact_erase", args=[other.pk]))
    assert list(Contact.objects.all()) == [elodie]
    one_tag = reverse("admin:contacts_tag_delete", args=[Tag.objects.first().pk])
    mathis.post(one_tag, {"post": "yes"})
    assert Tag.objects.count() == 1
    for name in ("auth_user_changelist", "auth_user_add", "auth_group_changelist", "two_step"):
        assert mathis.get(reverse(f"admin:{name}")).status_code == 403, name
    assert "Utilisateurs" not in mathis.get(reverse("admin:settings")).text


def test_an_owner_exports_deletes_several_and_manages_users(cast, elodie):
    olivia = as_(cast["olivia"])
    make_contact(first_name="Marc", tags=["VIP", "Salon"])
    assert _actions_offered(olivia) == {*EXPORTS, "delete_selected"}
    for action, marker in zip(EXPORTS, ("Élodie", '"Élodie"', "FN:Élodie"), strict=True):
        response = _act_on_contacts(olivia, action, [elodie])
        assert marker in b"".join(response.streaming_content).decode("utf-8"), action
    _delete_tags(olivia)
    assert not Tag.objects.exists()
    settings_page = olivia.get(reverse("admin:settings")).text
    assert "Utilisateurs" in settings_page and "Groupes" in settings_page
    olivia.post(reverse("admin:auth_user_add"), {
        "username": "lea", "usable_password": "true", "password1": "Un-long-mot-2026",
        "password2": "Un-long-mot-2026", "role": "marketer", "may_send": "on",
    })  # fmt: skip
    lea = User.objects.get(username="lea")
    assert lea.is_staff and roles.role_of(lea) == roles.MARKETER
    assert lea.has_perm(roles.SEND_CAMPAIGN) and not lea.has_perm(roles.EXPORT_CONTACTS)


# --- sending ----------------------------------------------------------------------------


@pytest.fixture
def draft(db) -> Campaign:
    save_business()
    make_contact(first_name="Élodie", email="elodie@exemple.fr", email_status="subscribed",
                 consent_basis="consent")  # fmt: skip
    return make_campaign()


def _act(client: Client, campaign: Campaign, action: str, **data):
    return client.post(reverse("admin:campaigns_campaign_act", args=[campaign.pk, action]), data)


def _status(campaign: Campaign) -> str:
    return Campaign.objects.get(pk=campaign.pk).status


def test_marketing_without_the_right_to_send_neither_sends_schedules_nor_warns(cast, draft):
    mathis = as_(cast["mathis"])
    tomorrow = (timezone.localtime() + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert _act(mathis, draft, "schedule", at=tomorrow).status_code == 403
    assert _act(mathis, draft, "send_now").status_code == 403
    assert _status(draft) == "draft"
    page = mathis.get(reverse("admin:campaigns_campaign_change", args=[draft.pk])).text
    assert "send-now-button" not in page and "schedule-button" not in page
    assert "campaign-sent-by-owner" in page
    # What an owner set to leave, Marketing can neither change nor restart.
    services.schedule(draft, timezone.now() + timezone.timedelta(days=1))
    change = reverse("admin:campaigns_campaign_change", args=[draft.pk])
    mathis.post(change, {"subject": "Autre chose", "name": draft.name})
    assert Campaign.objects.get(pk=draft.pk).subject == draft.subject
    for action in ("pause", "cancel", "resume", "resend_unknown"):  # see below
        assert _act(mathis, draft, action).status_code == 403, action
    assert _status(draft) == "scheduled"
    outage = reverse("admin:outage_notice")
    assert mathis.get(outage).status_code == 403
    assert mathis.post(outage, {"language": "fr"}).status_code == 403
    assert not Campaign.objects.filter(kind="outage").exists()
    assert "outage-button" not in mathis.get(reverse("admin:index")).text


MOVES = ("pause", "cancel", "resume", "resend_unknown")
BUTTONS = ("pause-button", "cancel-button", "resume-button", "resend-unknown-button")


def _set_to(campaign: Campaign, status: str) -> None:
    """Put the campaign in `status` as an owner would have (scheduled, then paused or sent)."""
    services.schedule(campaign, timezone.now() + timezone.timedelta(days=1))
    if status == "paused":
        services.pause(campaign)
    elif status == "sending":
        Campaign.objects.filter(pk=campaign.pk).update(status="sending", started_at=timezone.now())
    campaign.refresh_from_db()
    assert campaign.status == status


@pytest.mark.parametrize("status", ["scheduled", "sending", "paused"])
def test_a_campaign_set_to_leave_is_read_only_to_who_may_not_send(cast, draft, status):
    """README, "Roles": no move of it (pause, cancel, resume, resend) without the right to
    send; no button offers one; a POST is refused with 403 and changes nothing."""
    _set_to(draft, status)
    mathis, sarah = as_(cast["mathis"]), as_(cast["sarah"])
    change = reverse("admin:campaigns_campaign_change", args=[draft.pk])
    page = mathis.get(change).text
    assert draft.name in page
    assert [button for button in BUTTONS if button in page] == []
    for action in MOVES:
        assert _act(mathis, draft, action).status_code == 403, action
        assert _status(draft) == status, action
    offered = {button for button in BUTTONS if button in sarah.get(change).text}
    assert "cancel-button" in offered
    assert ("resume-button" if status == "paused" else "pause-button") in offered
    assert _act(sarah, draft, "cancel").status_code == 302
    assert _status(draft) == "cancelled"


def test_marketing_cancels_its_own_draft(cast, draft):
    mathis = as_(cast["mathis"])
    page = mathis.get(reverse("admin:campaigns_campaign_change", args=[draft.pk])).text
    assert "cancel-button" in page and "pause-button" not in page
    assert _act(mathis, draft, "cancel").status_code == 302
    assert _status(draft) == "cancelled"


def test_no_invitation_leaves_without_the_right_to_send(cast, draft):
    make_contact(first_name="Paul", email="paul@exemple.fr", email_status="no_consent")
    url = reverse("admin:invite_no_consent")
    mathis = as_(cast["mathis"])
    assert "send-invitation" not in mathis.get(url).text
    assert mathis.post(url, {"action": "send"}).status_code == 403
    assert not Delivery.objects.exists()
    as_(cast["sarah"]).post(url, {"action": "send"})
    assert Delivery.objects.filter(email="paul@exemple.fr").exists()


@pytest.mark.parametrize("name", ["sarah", "olivia", "alice"])
def test_who_may_send_schedules_sends_and_warns(cast, draft, name):
    client = as_(cast[name])
    _act(client, draft, "send_now")
    assert _status(draft) in ("scheduled", "sending")
    client.post(reverse("admin:outage_notice"), {"language": "fr"})
    assert Campaign.objects.filter(kind="outage").exists()


def test_a_reader_sees_a_campaign_without_a_button_that_acts(cast, draft):
    victor = as_(cast["victor"])
    page = victor.get(reverse("admin:campaigns_campaign_change", args=[draft.pk])).text
    assert draft.name in page
    for button in ("send-now-button", "schedule-button", "cancel-button", 'name="_save"'):
        assert button not in page, button
    preview = victor.get(reverse("admin:campaigns_campaign_preview", args=[draft.pk])).text
    assert "test-form" not in preview
    test = reverse("admin:campaigns_campaign_test", args=[draft.pk])
    assert victor.post(test, {"address": "victor@exemple.fr"}).status_code == 403
    assert _act(victor, draft, "cancel").status_code == 403
    assert _status(draft) == "draft"


# --- the groups and the users' page -----------------------------------------------------


def test_the_groups_hold_their_roles_permissions(cast):
    owner, marketing, reading = (
        set(Group.objects.get(name=role.group).permissions.all()) for role in roles.ROLES
    )
    assert owner == set(Permission.objects.all())
    names = {f"{p.content_type.app_label}.{p.codename}" for p in marketing}
    assert {"contacts.delete_contact", "campaigns.change_campaign"} <= names
    assert not {roles.EXPORT_CONTACTS, roles.SEND_CAMPAIGN, "auth.view_user"} & names
    assert roles.EXPORT_PERSONAL_DATA in names
    assert reading and all(p.codename.startswith("view_") for p in reading)
    assert not {p.content_type.app_label for p in reading} & {"auth", "otp_totp", "axes"}


def test_a_permission_added_later_reaches_the_roles_after_migrate(cast):
    kind = ContentType.objects.get_for_model(Tag)
    later = Permission.objects.create(codename="view_tag_colour", name="x", content_type=kind)
    emit_post_migrate_signal(0, False, "default")
    assert later in Group.objects.get(name="Lecture seule").permissions.all()
    assert later in Group.objects.get(name="Propriétaire").permissions.all()
    assert User.objects.get(username="victor").has_perm("contacts.view_tag_colour")


def test_a_role_is_chosen_in_plain_french(cast):
    olivia = as_(cast["olivia"])
    page = olivia.get(reverse("admin:auth_user_change", args=[cast["victor"].pk])).text
    for words in ("Propriétaire — Tout", "Marketing — Les contacts", "Lecture seule — Voit",
                  "Aucun accès", "Peut envoyer les campagnes"):  # fmt: skip
        assert words in page, words
    victor = cast["victor"]
    change = reverse("admin:auth_user_change", args=[victor.pk])
    olivia.post(change, {"username": "victor", "is_active": "on", "role": "none"})
    victor.refresh_from_db()
    assert not victor.is_staff and roles.role_of(victor) is None


def test_an_owner_cannot_take_over_the_administrator(cast):
    olivia, alice = as_(cast["olivia"]), cast["alice"]
    password = reverse("admin:auth_user_password_change", args=[alice.pk])
    assert olivia.get(password).status_code == 403
    page = olivia.get(reverse("admin:auth_user_change", args=[alice.pk])).text
    assert 'name="_save"' not in page
    own = as_(alice).get(reverse("admin:auth_user_change", args=[alice.pk])).text
    choices = re.findall(r'<input type="radio" name="role"[^>]*>', own)
    assert len(choices) == 4 and all(" disabled" in choice for choice in choices)
    assert "toujours propriétaire" in own


def test_a_reader_cannot_prepare_the_confirmation_email(cast):
    make_contact(first_name="Ancien", email="ancien@exemple.fr", email_status="subscribed",
                 consent_basis="consent", retention_flagged_at=timezone.now())  # fmt: skip
    url, victor = reverse("admin:contacts_contact_retention"), as_(cast["victor"])
    assert "prepare-repermission" not in victor.get(url).text
    assert victor.post(url).status_code == 403
    assert not Campaign.objects.exists()
    assert "prepare-repermission" in as_(cast["mathis"]).get(url).text
