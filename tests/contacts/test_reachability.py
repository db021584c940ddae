"""`reachability`: who the business can reach without any social network (DESIGN.md)."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.contacts.factories import make_contact

pytestmark = pytest.mark.django_db

KINDS = ["mailable", "email_no_consent", "email_blocked", "phone_only", "social_only"]


@pytest.fixture
def people():
    make_contact(
        first_name="Élodie",
        email="elodie@exemple.fr",
        email_status="subscribed",
        consent_basis="customer",
        phone="+33612345678",
        sources=["google", "linkedin"],
    )
    make_contact(
        first_name="Marc", email="marc@exemple.fr", email_status="subscribed", sources=["google"]
    )  # subscribed, but on no basis: not mailable
    make_contact(first_name="Inès", email="ines@exemple.fr", email_status="pending")
    make_contact(first_name="Paul", email="paul@exemple.fr", sources=["linkedin"])
    make_contact(
        first_name="Zoé", email="zoe@exemple.fr", email_status="unsubscribed", sources=["google"]
    )
    make_contact(first_name="Léa", email="lea@exemple.fr", email_status="bounced")
    make_contact(first_name="Jules", phone="+33698765432", sources=["vcard"])
    make_contact(first_name="Nina", handles={"instagram": "nina"}, sources=["instagram"])
    make_contact(first_name="Hugo", last_name="Martin", sources=["facebook"])  # a name only


def reachability(*args: str) -> str:
    out = io.StringIO()
    call_command("reachability", *args, stdout=out)
    return out.getvalue()


def test_every_contact_falls_in_exactly_one_kind(people):
    counts = json.loads(reachability("--json"))
    assert counts["total"] == 9
    assert {kind: counts[kind] for kind in KINDS} == {
        "mailable": 1,
        "email_no_consent": 3,  # Marc (no basis), Inès (pending), Paul (no consent)
        "email_blocked": 2,
        "phone_only": 1,
        "social_only": 2,
    }


def test_the_same_counts_per_source(people):
    by_source = json.loads(reachability("--json"))["by_source"]
    assert set(by_source) == {"google", "linkedin", "vcard", "instagram", "facebook"}
    assert by_source["google"] == {
        "total": 3, "mailable": 1, "email_no_consent": 1, "email_blocked": 1,
        "phone_only": 0, "social_only": 0,
    }  # fmt: skip
    assert by_source["linkedin"]["total"] == 2  # Élodie counts under both her sources
    assert by_source["linkedin"]["mailable"] == 1
    assert by_source["vcard"]["phone_only"] == 1
    assert by_source["instagram"]["social_only"] == by_source["facebook"]["social_only"] == 1


def test_without_json_it_speaks_french_first(people):
    with translation.override("fr"):
        text = reachability()
    assert text.splitlines()[0] == (
        "Sans aucun réseau social, vous pouvez écrire dès maintenant par e-mail à 1 contact "
        "sur 9 (11 %). 2 contacts n’ont qu’un réseau social ou un nom."
    )
    assert "Tous les contacts : 9" in text
    assert "Google Contacts : 3" in text


def test_an_empty_address_book_counts_zero():
    counts = json.loads(reachability("--json"))
    assert counts == {"total": 0, **dict.fromkeys(KINDS, 0), "by_source": {}}
    assert "—" in reachability()  # no share of nothing


def test_large_numbers_are_grouped_and_small_shares_not_rounded_to_nothing():
    from contacts.management.commands.reachability import _report

    counts = {"total": 27631, "mailable": 27500, "email_no_consent": 8, "email_blocked": 0,
              "phone_only": 123, "social_only": 0, "by_source": {}}  # fmt: skip
    with translation.override("fr"):
        text = _report(counts)
    assert "27\xa0500 contacts sur 27\xa0631" in text  # a no-break space, as French writes
    assert "< 1 %" in text  # 8 of 27,631
    assert "(> 99 %)" in text  # 27,500 of 27,631: not all of them
