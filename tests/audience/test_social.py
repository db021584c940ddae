"""The contacts known only on a social network: who they are, links to their profiles."""

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import include, path, reverse

from audience import social
from contacts.models import Handle
from tests.contacts.factories import make_contact

URL = "/admin/reseaux-sociaux/"


@pytest.fixture
def followers(db):
    return {
        "nina": make_contact(first_name="Nina", last_name="Arnaud",
                             handles={"instagram": "@nina.arnaud", "facebook": "nina.arnaud.75"}),
        "omar": make_contact(first_name="Omar", last_name="Benali", phone="+33612345678",
                             handles={"linkedin": "https://www.linkedin.com/in/omar-benali"}),
        "rose": make_contact(first_name="Rose", email="rose@exemple.fr",
                             handles={"instagram": "rose"}),  # has an address: not here
        "yves": make_contact(first_name="Yves"),  # nothing to reach him by
    }  # fmt: skip


@pytest.mark.parametrize(
    ("network", "value", "url"),
    [
        ("instagram", "@nina.arnaud", "https://www.instagram.com/nina.arnaud/"),
        ("facebook", "nina.arnaud.75", "https://www.facebook.com/nina.arnaud.75"),
        ("linkedin", "omar-benali", "https://www.linkedin.com/in/omar-benali"),
        ("linkedin", "https://www.linkedin.com/in/omar", "https://www.linkedin.com/in/omar"),
        ("linkedin", "www.linkedin.com/in/omar", "https://www.linkedin.com/in/omar"),
        ("x", "@nina", "https://x.com/nina"),
        ("mastodon", "@nina@piaille.fr", "https://piaille.fr/@nina"),
        ("mastodon", "nina", ""),
        ("telegram", "@nina_a", "https://t.me/nina_a"),
        ("whatsapp", "+33 6 12 34 56 78", "https://wa.me/33612345678"),
        ("signal", "+33 6 12 34 56 78", "https://signal.me/#p/+33612345678"),
        ("website", "atelier-nina.fr", "https://atelier-nina.fr"),
        (
            "instagram",
            "javascript:alert(1)",
            "https://www.instagram.com/javascript%3Aalert%281%29/",
        ),
    ],
)
def test_a_handle_becomes_the_address_of_its_profile(network, value, url):
    assert social.profile_url(network, value) == url


def test_it_counts_the_contacts_with_a_handle_and_no_address(followers):
    assert social.remaining() == 2
    Handle.objects.create(contact=followers["yves"], network="x", value="yves")
    assert social.remaining() == 3


def test_the_page_lists_them_with_links_and_the_message_to_copy(client, bob, followers):
    client.force_login(bob)
    page = client.get(URL)
    assert page.status_code == 200
    listed = [contact.first_name for contact, _links, _phone in page.context["rows"]]
    assert listed == ["Nina", "Omar"]
    assert 'href="https://www.instagram.com/nina.arnaud/"' in page.text
    assert 'href="https://www.linkedin.com/in/omar-benali"' in page.text
    assert '<a href="tel:+33612345678">06 12 34 56 78</a>' in page.text  # read the French way
    link = social.signup_link()
    assert link.endswith(reverse("signup"))
    assert link in page.context["message"]
    assert 'id="copy-message"' in page.text
    assert "audience/copy.js" in page.text
    assert "<script>" not in page.text  # no inline script: the CSP to come forbids it


def test_it_pages_a_long_list(client, bob, db):
    for number in range(social.PER_PAGE + 3):
        make_contact(first_name=f"Abonné {number}", handles={"instagram": f"abonne{number}"})
    client.force_login(bob)
    first = client.get(URL)
    assert len(first.context["rows"]) == social.PER_PAGE
    second = client.get(URL, {"page": 2})
    assert len(second.context["rows"]) == 3


def test_it_is_for_those_who_may_see_contacts(client, charlie, followers):
    client.force_login(charlie)  # no access to the admin at all
    assert client.get(URL).status_code == 302
    charlie.is_staff = True  # in the admin, but may not see contacts
    charlie.save()
    assert client.get(URL).status_code == 403
    assert reverse("admin:social_only") == URL


def test_without_the_sign_up_page_it_says_so_instead_of_a_message(client, bob, followers):
    client.force_login(bob)
    with override_settings(ROOT_URLCONF="tests.audience.test_social"):
        page = client.get(URL)
    assert page.status_code == 200
    assert page.context["message"] == ""
    assert 'id="copy-message"' not in page.text
    assert [contact.first_name for contact, _links, _phone in page.context["rows"]] == [
        "Nina",
        "Omar",
    ]


# A site without the public pages, as before the sign-up page existed.
urlpatterns = [path("admin/", admin.site.urls), path("i18n/", include("django.conf.urls.i18n"))]
