"""The owner's navigation and Réglages: French labels, users and groups for administrators."""

import pytest
from django.urls import reverse

from crm import navigation
from tests.crm.html import links, texts

pytestmark = pytest.mark.django_db

OWNER_MENU = [
    "Tableau de bord", "Contacts", "Importer", "Campagnes", "Segments", "Inscriptions",
    "Réglages",
]  # fmt: skip


def _menu(client, url: str = "/admin/") -> list[str]:
    return texts(client.get(url).content.decode(), "carnet-nav")


def _settings(client) -> list[str]:
    return texts(client.get(reverse("admin:settings")).content.decode(), "content-main")


def test_the_owner_reads_the_menu_in_her_words_in_order(client, alice):
    client.force_login(alice)
    assert _menu(client) == OWNER_MENU
    assert "Authentification et autorisation" not in client.get("/admin/").content.decode()


def test_the_current_section_is_marked(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:contacts_importjob_changelist")).content.decode()
    current = [a["text"] for a in links(page, "carnet-nav") if a.get("aria-current") == "page"]
    assert current == ["Importer"]


def test_users_and_groups_are_under_reglages_for_an_administrator(client, alice):
    client.force_login(alice)
    links = _settings(client)
    assert "Utilisateurs" in links and "Groupes" in links
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_a_teammate_sees_no_users_or_groups_anywhere(client, bob):
    bob.is_superuser = False
    bob.user_permissions.add(*_permissions("view_user", "view_group", "view_segment"))
    client.force_login(bob)

    assert _menu(client) == ["Tableau de bord", "Contacts", "Segments"]
    assert client.get(reverse("admin:settings")).status_code == 200
    assert not {"Utilisateurs", "Groupes"} & set(_settings(client))
    assert client.get(reverse("admin:app_list", args=["auth"])).status_code == 404
    assert (
        "Utilisateurs"
        not in client.get(reverse("admin:app_list", args=["contacts"])).content.decode()
    )


def test_your_business_is_the_first_setting(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:settings")).content.decode()
    first = links(page, "content-main")[0]
    assert first["text"] == "Votre entreprise"
    assert first["href"] == reverse("admin:campaigns_business_changelist")


def test_reglages_leaves_out_a_page_that_does_not_exist_yet(client, alice, monkeypatch):
    missing = navigation.Entry(navigation.SETTINGS[0].label, "admin:campaigns_nothing_changelist")
    monkeypatch.setattr(navigation, "SETTINGS", (missing, *navigation.SETTINGS[1:]))
    client.force_login(alice)
    assert "Votre entreprise" not in _settings(client)
    assert _menu(client) == OWNER_MENU


def test_reglages_is_not_in_the_menu_when_it_would_be_empty(client, bob, monkeypatch):
    monkeypatch.setattr(navigation, "SETTINGS", navigation.SETTINGS[1:])
    client.force_login(bob)
    assert "Réglages" not in _menu(client)
    page = client.get(reverse("admin:settings")).content.decode()
    assert "Rien à régler ici pour votre compte" in page


def test_the_menu_can_grow_by_one_entry(client, alice, monkeypatch):
    extra = navigation.Entry(navigation.NAVIGATION[1].label, "admin:contacts_tag_changelist")
    monkeypatch.setattr(navigation, "NAVIGATION", (*navigation.NAVIGATION, extra))
    client.force_login(alice)
    assert len(_menu(client)) == len(OWNER_MENU) + 1


def _permissions(*codenames: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)
