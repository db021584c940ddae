"""Carnet's own words where Django's admin has stock ones: titles, links, messages, pickers."""

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse
from playwright.sync_api import expect

from contacts.models import ConsentEvent, Tag
from crm.admin import ModelAdmin
from tests.conftest import log_in
from tests.contacts.factories import elodie
from tests.crm.html import links, visible_text

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _h1(response) -> str:
    return response.context["title"]


@pytest.mark.django_db
def test_it_titles_a_list_with_what_it_lists(client, alice):
    client.force_login(alice)

    assert _h1(client.get(reverse("admin:contacts_tag_changelist"))) == "Étiquettes"
    assert _h1(client.get(reverse("admin:auth_user_changelist"))) == "Utilisateurs"
    assert _h1(client.get(reverse("admin:contacts_consentevent_changelist"))) == (
        "Enregistrements de consentement"
    )


@pytest.mark.django_db
def test_it_titles_a_page_with_what_may_be_done_there(client, alice):
    client.force_login(alice)
    tag = Tag.objects.create(name="VIP")
    event = ConsentEvent.objects.create(contact=elodie(), to_status="subscribed", how="admin")

    changed = client.get(reverse("admin:contacts_tag_change", args=[tag.pk]))
    viewed = client.get(reverse("admin:contacts_consentevent_change", args=[event.pk]))

    assert (_h1(changed), changed.context["subtitle"]) == ("Modifier\xa0: étiquette", "VIP")
    assert _h1(viewed) == "Afficher\xa0: enregistrement de consentement"


@pytest.mark.django_db
def test_the_links_beside_a_related_field_say_what_they_open(client, alice):
    client.force_login(alice)

    page = client.get(reverse("admin:contacts_contact_add")).text
    titles = {
        link.get("title") for link in links(page) if "related-widget" in link.get("class", "")
    }

    assert {"Modifier\xa0: entreprise", "Ajouter\xa0: entreprise"} <= titles
    assert "Ajouter\xa0: étiquette" in titles


@pytest.mark.django_db
def test_users_and_groups_speak_carnets_words_with_no_ctrl_hint(client, alice):
    client.force_login(alice)
    group = Group.objects.create(name="Vendeurs")

    user_page = visible_text(client.get(reverse("admin:auth_user_change", args=[alice.pk])).text)
    group_page = visible_text(client.get(reverse("admin:auth_group_change", args=[group.pk])).text)

    assert isinstance(admin.site._registry[User], ModelAdmin)
    assert isinstance(admin.site._registry[Group], ModelAdmin)
    assert "Rôle : Propriétaire — Tout" in user_page  # the role in words, not groups (crm.users)
    for page in (user_page, group_page):
        assert "Ctrl" not in page and "Maintenez" not in page


@pytest.mark.django_db
def test_an_old_link_says_what_was_not_found(client, alice):
    client.force_login(alice)

    response = client.get(reverse("admin:contacts_tag_change", args=[999]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:contacts_tag_changelist")
    assert [str(m) for m in response.context["messages"]] == [
        "Introuvable\xa0: étiquette n°\xa0999 (la fiche a peut-être été supprimée)."
    ]


@pytest.mark.django_db
def test_a_page_with_no_history_says_so_plainly(client, alice):
    client.force_login(alice)
    tag = Tag.objects.create(name="VIP")

    page = visible_text(client.get(reverse("admin:contacts_tag_history", args=[tag.pk])).text)

    assert "Aucune modification enregistrée ici pour l’instant." in page


@pytest.mark.browser
def test_the_owner_adds_and_deletes_in_plain_french(transactional_db, live_server, page, alice):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "alice")

    page.goto(f"{live_server.url}{reverse('admin:contacts_contact_add')}")
    # inlines.js writes the "add" link of each inline table from the page's data.
    expect(page.get_by_role("button", name="Ajouter\xa0: profil social")).to_be_visible()

    page.goto(f"{live_server.url}{reverse('admin:contacts_tag_add')}")
    expect(page.locator("#content h1")).to_have_text("Ajout\xa0: étiquette")
    page.fill("#id_name", "VIP")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_have_text(
        "C’est enregistré\xa0: étiquette «\xa0VIP\xa0»."
    )
    expect(page.locator("#content h1")).to_have_text("Modifier\xa0: étiquette")

    page.get_by_role("link", name="Supprimer").click()
    expect(page.locator("#content p").first).to_have_text(
        "Supprimer «\xa0VIP\xa0» (étiquette)\xa0? Tout ce qui suit sera supprimé\xa0:"
    )
    page.screenshot(path=SCREENSHOTS / "delete-confirmation.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "delete-confirmation-phone.png", full_page=True)
    with page.expect_navigation():
        page.click("input[value='Oui, supprimer']")
    expect(page.locator(".messagelist .success")).to_have_text(
        "C’est supprimé\xa0: étiquette «\xa0VIP\xa0»."
    )
    expect(page.locator("#content h1")).to_have_text("Étiquettes")
    assert not Tag.objects.exists()
