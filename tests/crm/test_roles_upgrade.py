"""Accounts made before roles keep their access: Réglages, Utilisateurs (crm.users).

An installation upgraded to roles has staff accounts with permissions given one by one
and no role's group. Their page offers « Droits particuliers (inchangés) », chosen: saved
as it opens, the account keeps its groups and permissions exactly; choosing a role
replaces them. The cast: olivia owns (« Propriétaire »), bruno was made before roles.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from crm import roles
from tests.crm.html import visible_text

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """Collect what a browser would post from the page's user form, as it opened."""

    def __init__(self):
        super().__init__()
        self.inside, self.data, self._select, self._text = False, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "user_form":
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if tag == "input" and name and kind not in ("submit", "button"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                default = "on" if kind == "checkbox" else ""
                self.data.setdefault(name, []).append(attrs.get("value", default))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self._text = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._text:
            self.data[self._text][0] += data

    def handle_endtag(self, tag):
        self._select = None if tag == "select" else self._select
        self._text = None if tag == "textarea" else self._text
        self.inside = self.inside and tag != "form"


def opened(client: Client, user: User) -> tuple[str, dict]:
    """Open the user's page; return its text and what saving it unchanged would post."""
    html = client.get(reverse("admin:auth_user_change", args=[user.pk])).text
    form = _Form()
    form.feed(html)
    return visible_text(html), {**form.data, "_save": ["Enregistrer"]}


def save(client: Client, user: User, data: dict):
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def held(user: User) -> tuple[bool, set[str], set[str]]:
    """Return what the account holds: staff or not, its groups, its own permissions."""
    user = User.objects.get(pk=user.pk)
    groups = set(user.groups.values_list("name", flat=True))
    permissions = {p.codename for p in user.user_permissions.all()}
    return user.is_staff, groups, permissions


def permissions(*codenames: str) -> list[Permission]:
    return list(Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def olivia() -> Client:
    owner = User.objects.create_user("olivia", "olivia@exemple.fr")
    roles.set_role(owner, roles.OWNER)
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def bruno() -> User:
    """A staff account from before roles: to see and change contacts, nothing else."""
    bruno = User.objects.create_user("bruno", "bruno@exemple.fr", is_staff=True)
    bruno.user_permissions.add(*permissions("view_contact", "change_contact"))
    return bruno


def test_it_keeps_an_old_accounts_rights_when_saved_as_it_opened(olivia, bruno):
    text, data = opened(olivia, bruno)

    assert data["role"] == ["particular"]
    assert "Droits particuliers (inchangés) — Enregistrer les garde exactement tels quels" in text
    assert "Donnés un à un : contact (modifier, voir)." in text
    data["email"] = ["bruno@boutique.fr"]  # what the owner came for
    assert save(olivia, bruno, data).status_code == 302

    assert held(bruno) == (True, set(), {"view_contact", "change_contact"})
    assert User.objects.get(pk=bruno.pk).email == "bruno@boutique.fr"


def test_choosing_read_only_replaces_an_old_accounts_rights(olivia, bruno):
    _text, data = opened(olivia, bruno)
    data["role"] = ["viewer"]

    assert save(olivia, bruno, data).status_code == 302

    assert held(bruno) == (True, {"Lecture seule"}, set())
    bruno = User.objects.get(pk=bruno.pk)
    assert bruno.has_perm("contacts.view_contact")
    assert not bruno.has_perm("contacts.change_contact")


def test_the_list_says_particular_rights_not_no_access(olivia, bruno):
    text = visible_text(olivia.get(reverse("admin:auth_user_changelist")).text)

    assert "bruno - - bruno@exemple.fr Droits particuliers" in text
    assert "olivia - - olivia@exemple.fr Propriétaire" in text


@pytest.mark.parametrize(
    ("groups", "own", "words"),
    [
        (["Marketing", "Lecture seule"], [], "Rôles : Marketing, Lecture seule."),
        (["Lecture seule"], ["change_contact"], "Rôle : Lecture seule. Donnés un à un : contact"),
        (["Vendeurs"], [], "Groupe : Vendeurs."),
        (["Propriétaire"], ["send_campaign"], "peut envoyer ou programmer des campagnes."),
    ],
)
def test_two_roles_or_more_than_a_role_are_shown_and_kept(olivia, groups, own, words):
    mixed = User.objects.create_user("mixed", is_staff=True)
    mixed.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in groups])
    mixed.user_permissions.add(*permissions(*own))
    before = held(mixed)

    text, data = opened(olivia, mixed)
    assert data["role"] == ["particular"] and words in text
    assert save(olivia, mixed, data).status_code == 302
    assert held(mixed) == before

    data["role"] = ["viewer"]
    assert save(olivia, mixed, data).status_code == 302
    assert held(mixed) == (True, {"Lecture seule"}, set())


def test_an_account_exactly_in_its_role_is_offered_no_particular_rights(olivia):
    sarah = User.objects.create_user("sarah", is_staff=True)
    roles.set_role(sarah, roles.MARKETER, may_send=True)

    text, data = opened(olivia, sarah)
    assert data["role"] == ["marketer"] and data["may_send"] == ["on"]
    assert "Droits particuliers" not in text
    assert save(olivia, sarah, data).status_code == 302
    assert held(sarah) == (True, {"Marketing"}, {"send_campaign"})

    data["role"] = ["particular"]
    assert save(olivia, sarah, data).status_code == 200  # not a choice of hers
    assert held(sarah) == (True, {"Marketing"}, {"send_campaign"})


def test_ticking_the_right_to_send_asks_for_a_role(olivia, bruno):
    _text, data = opened(olivia, bruno)
    data["may_send"] = ["on"]

    response = save(olivia, bruno, data)

    assert response.status_code == 200
    assert "Pour changer le droit d’envoyer, choisissez un rôle" in response.text
    assert held(bruno) == (True, set(), {"view_contact", "change_contact"})


def test_a_switched_off_sender_keeps_the_right_to_send_when_switched_on(olivia):
    sarah = User.objects.create_user("sarah", is_staff=True, is_active=False)
    roles.set_role(sarah, roles.MARKETER, may_send=True)

    _text, data = opened(olivia, sarah)
    data["is_active"] = ["on"]
    assert save(olivia, sarah, data).status_code == 302

    assert User.objects.get(pk=sarah.pk).has_perm(roles.SEND_CAMPAIGN)
