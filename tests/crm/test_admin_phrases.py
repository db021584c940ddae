"""Every admin page the owner reaches, read in French: none of Django's stock phrases.

Django's French admin speaks of "objets" and "Aucun(e)", says things were done "avec
succès" and tells people to "maintenir appuyé" a key: words no shop owner uses. This test
reads every list, add page and change page (one object of each model) and Réglages as the
owner (a superuser), and names each page and phrase it finds.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from campaigns.models import Delivery
from contacts.models import ConsentEvent, ImportJob, Segment, Tag
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import elodie
from tests.crm.html import visible_text

pytestmark = pytest.mark.django_db

STOCK_PHRASES = (
    "l’objet",
    "l'objet",
    "objet ",
    "supplémentaire",
    "Aucun(e)",
    "Maintenez appuyé",
    "Sélectionnez",
    "à changer",
    "avec succès",
)

# "Objet" is also an email's subject, which a campaign page rightly names.
EMAIL_SUBJECT = ("Objet :", "après l’objet")


def one_of_each() -> None:
    """Give every model of the admin one object, as a business in use would have."""
    contact = elodie()  # with a company, tags and sources
    ConsentEvent.objects.create(
        contact=contact, to_status="subscribed", basis="customer", how="admin"
    )
    ImportJob.objects.create(file_names="clients.xlsx", status="done", format="xlsx")
    Segment.objects.create(name="Clients fidèles")
    campaign = make_campaign(name="Soldes d’hiver")
    Delivery.objects.create(campaign=campaign, contact=contact, email=contact.email,
                            status="sent", sent_at=timezone.now())  # fmt: skip
    Group.objects.create(name="Vendeurs")
    for model in admin.site._registry:
        if model._meta.label == "campaigns.Business" and not model.objects.exists():
            model.objects.create(name="Boulangerie Lefèvre", postal_address="1 rue du Pain")


def owner_pages(request) -> list[str]:
    """Return the address of every admin page the owner can open."""
    pages = [reverse("admin:index"), reverse("admin:settings")]
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        if model_admin.has_view_permission(request):
            pages.append(reverse(f"{info}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{info}_add"))
        first = model.objects.order_by("pk").first()
        if first is not None and model_admin.has_view_permission(request, first):
            pages += [_object_url(info, view, first.pk) for view in ("change", "history")]
        if first is not None and model_admin.has_delete_permission(request, first):
            pages.append(_object_url(info, "delete", first.pk))
    return pages


def _object_url(info: str, view: str, pk: int) -> str:
    try:
        return reverse(f"{info}_{view}", args=[pk])
    except NoReverseMatch:
        return ""


def _without_email_subject(text: str) -> str:
    for allowed in EMAIL_SUBJECT:
        text = text.replace(allowed, "")
    return text


def stock_phrases(text: str) -> list[str]:
    folded = _without_email_subject(text).casefold()
    return [phrase for phrase in STOCK_PHRASES if phrase.casefold() in folded]


def _around(text: str, phrase: str) -> str:
    text = _without_email_subject(text)
    at = text.casefold().index(phrase.casefold())
    return text[max(at - 40, 0) : at + len(phrase) + 40]


def test_no_admin_page_speaks_like_django(client, alice, rf):
    one_of_each()
    client.force_login(alice)
    request = rf.get("/admin/")
    request.user = alice

    found = []
    for url in filter(None, owner_pages(request)):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        text = visible_text(response.text)
        found += [(url, phrase, _around(text, phrase)) for phrase in stock_phrases(text)]

    assert found == [], "\n".join(f"{url}: {phrase!r} in “{seen}”" for url, phrase, seen in found)


def test_it_finds_a_stock_phrase_where_there_is_one():
    page = "<h1>Sélectionnez l’objet contact à changer</h1><script>var objet = 1;</script>"
    assert stock_phrases(visible_text(page)) == ["l’objet", "objet ", "Sélectionnez", "à changer"]
    assert stock_phrases(visible_text('<input type="submit" value="Ajouter avec succès">')) == [
        "avec succès"
    ]
    assert stock_phrases("Objet : Nos soldes. Le texte affiché après l’objet.") == []
    add_text = '{"options": {"addText": "Ajouter un objet Note supplémentaire"}}'
    inline = f"<div data-inline-formset='{add_text}'>"
    assert stock_phrases(visible_text(inline)) == ["objet ", "supplémentaire"]


def _said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_saving_and_deleting_say_it_in_carnets_words(client, alice):
    client.force_login(alice)
    added = client.post(reverse("admin:contacts_tag_add"), {"name": "VIP"}, follow=True)
    tag = Tag.objects.get(name="VIP")
    change_url = reverse("admin:contacts_tag_change", args=[tag.pk])
    changed = client.post(change_url, {"name": "Fidèles", "_continue": "1"}, follow=True)
    deleted = client.post(
        reverse("admin:contacts_tag_delete", args=[tag.pk]), {"post": "yes"}, follow=True
    )

    assert _said(added) == ["C’est enregistré\xa0: étiquette «\xa0VIP\xa0»."]
    assert _said(changed) == ["C’est enregistré\xa0: étiquette «\xa0Fidèles\xa0»."]
    assert _said(deleted) == ["C’est supprimé\xa0: étiquette «\xa0Fidèles\xa0»."]
    for response in (added, changed, deleted):
        assert stock_phrases(visible_text(response.text)) == []


def test_deleting_a_selection_says_it_in_carnets_words(client, alice):
    client.force_login(alice)
    tags = [Tag.objects.create(name=name) for name in ("VIP", "Salon 2025")]
    chosen = {"action": "delete_selected", "_selected_action": [t.pk for t in tags]}
    asked = client.post(reverse("admin:contacts_tag_changelist"), chosen)
    deleted = client.post(reverse("admin:contacts_tag_changelist"), {**chosen, "post": "yes"},
                          follow=True)  # fmt: skip

    assert "Supprimer la sélection (étiquettes)" in visible_text(asked.text)
    assert stock_phrases(visible_text(asked.text)) == []
    assert _said(deleted) == ["C’est supprimé\xa0: 2 étiquettes."]
    assert not Tag.objects.exists()
