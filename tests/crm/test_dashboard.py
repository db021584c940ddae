"""The home page: reachability figures with their lists, campaigns, imports, first steps."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Delivery
from contacts.models import Contact, ImportJob
from crm import dashboard
from crm.dashboard import figures
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_old_figures():
    figures.forget()
    yield
    figures.forget()


def some_people() -> None:
    """Two mailable contacts, one without consent, one blocked, a phone, an Instagram."""
    make_contact(
        first_name="Élodie",
        email="elodie@exemple.fr",
        email_status="subscribed",
        consent_basis="customer",
        sources=["google"],
    )
    make_contact(
        first_name="Marc",
        email="marc@exemple.fr",
        email_status="subscribed",
        consent_basis="consent",
        sources=["linkedin"],
    )
    make_contact(first_name="Paul", email="paul@exemple.fr", sources=["linkedin"])
    make_contact(first_name="Zoé", email="zoe@exemple.fr", email_status="unsubscribed")
    make_contact(first_name="Jules", phone="+33612345678", sources=["vcard"])
    make_contact(first_name="Nina", handles={"instagram": "nina"}, sources=["instagram"])


def _names(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {contact.first_name for contact in response.context["cl"].result_list}


def test_it_shows_the_first_steps_and_what_to_do_on_an_empty_install(client, alice):
    client.force_login(alice)
    page = client.get(reverse("admin:index")).content.decode()

    assert "Vos premiers pas" in page
    assert "Importer vos contacts" in page
    assert "Aucun contact pour l’instant — importez votre carnet d’adresses." in page
    assert "Aucune campagne pour l’instant" in page
    assert reverse("admin:contacts_importjob_upload") in page
    assert reverse("admin:campaigns_campaign_add") in page


def test_each_figure_links_to_a_list_of_as_many_contacts(client, alice):
    some_people()
    client.force_login(alice)
    context = client.get(reverse("admin:index")).context
    reach = context["reach"]

    assert reach["total"] == 6
    for cell in reach["overall"]["cells"]:
        assert len(_names(client, cell["url"])) == cell["count"], cell["kind"]
    linkedin = next(row for row in reach["sources"] if "LinkedIn" in str(row["label"]))
    by_kind = {cell["kind"]: cell for cell in linkedin["cells"]}
    assert _names(client, by_kind["mailable"]["url"]) == {"Marc"}
    assert _names(client, by_kind["email_no_consent"]["url"]) == {"Paul"}
    assert _names(client, linkedin["url"]) == {"Marc", "Paul"}


def test_it_shows_the_figures_in_french_with_the_chart(client, alice):
    some_people()
    client.force_login(alice)
    page = client.get(reverse("admin:index")).content.decode()

    assert "de vos 6 contacts peuvent recevoir vos e-mails dès maintenant" in page
    assert 'class="reach-chart"' in page and 'class="growth-chart"' in page
    assert "?reach=mailable" in page and "?source=linkedin&amp;reach=email_no_consent" in page


def test_slow_figures_are_kept_and_their_age_shown(client, alice, monkeypatch):
    some_people()
    client.force_login(alice)
    counted = figures.refresh()
    counted.update(took=3.0, computed_at=timezone.now() - timedelta(minutes=7))
    cache.set(figures.CACHE_KEY, counted)
    make_contact(first_name="Lou", email="lou@exemple.fr")

    response = client.get(reverse("admin:index"))
    assert response.context["reach"]["total"] == 6  # the kept figures, not a recount
    assert "Chiffres d’il y a 7 minutes." in response.content.decode()

    client.post(reverse("admin:dashboard_recount"))
    assert client.get(reverse("admin:index")).context["reach"]["total"] == 7


def test_figures_older_than_beat_should_leave_are_counted_again(client, alice):
    counted = figures.refresh()
    counted.update(took=3.0, computed_at=timezone.now() - figures.RECOUNT_AFTER * 2)
    cache.set(figures.CACHE_KEY, counted)
    make_contact(first_name="Lou", email="lou@exemple.fr")

    client.force_login(alice)
    assert client.get(reverse("admin:index")).context["reach"]["total"] == 1


def test_beat_counts_the_figures_ahead_of_the_page(settings):
    from crm.dashboard.tasks import refresh_figures

    make_contact(first_name="Lou", email="lou@exemple.fr")
    refresh_figures()
    assert cache.get(figures.CACHE_KEY)["reach"]["total"] == 1
    assert settings.CELERY_BEAT_SCHEDULE["dashboard"]["task"] == refresh_figures.name


def test_it_shows_the_last_campaigns_with_their_results(client, alice):
    contacts = [make_contact(first_name=n, email=f"{n}@exemple.fr") for n in ("a", "b", "c")]
    campaign = make_campaign(name="Soldes d’hiver", status="sent")
    now = timezone.now()
    for contact, opened in zip(contacts, (now, now, None), strict=True):
        Delivery.objects.create(campaign=campaign, contact=contact, email=contact.email,
                                status="sent", sent_at=now, opened_at=opened)  # fmt: skip
    make_campaign(name="Brouillon de printemps")

    client.force_login(alice)
    response = client.get(reverse("admin:index"))
    rows = {row["name"]: row for row in response.context["campaigns"]}
    assert (rows["Soldes d’hiver"]["sent"], rows["Soldes d’hiver"]["opened"]) == (3, 2)
    assert rows["Brouillon de printemps"]["sent"] == 0
    assert "Envoyée" in response.content.decode()


def test_it_shows_imports_in_progress_only(client, alice):
    ImportJob.objects.create(file_names="clients.xlsx", status="running", rows_total=200,
                             rows_done=50)  # fmt: skip
    ImportJob.objects.create(file_names="ancien.csv", status="done")
    client.force_login(alice)
    page = client.get(reverse("admin:index")).content.decode()

    assert "clients.xlsx" in page and "50 lignes sur 200" in page
    assert "ancien.csv" not in page


def test_the_first_steps_tick_themselves(client, alice):
    client.force_login(alice)

    def done() -> list[bool]:
        return [step["done"] for step in client.get(reverse("admin:index")).context["first_steps"]]

    client.get(reverse("admin:contacts_contact_changelist"))  # an empty list checks nothing
    assert done() == [False, False, False]
    make_contact(first_name="Élodie", email="elodie@exemple.fr")
    assert done() == [True, False, False]
    client.get(reverse("admin:contacts_contact_changelist"))
    assert done() == [True, True, False]
    make_campaign(status="sent")
    response = client.get(reverse("admin:index"))
    assert response.context["first_steps_done"] is True
    assert "Vos premiers pas" not in response.content.decode()


def test_bench_can_build_the_context_without_the_admin(rf, alice):
    request = rf.get("/admin/")
    request.user, request.session = alice, {}
    Contact.objects.create(first_name="Lou")
    assert dashboard.context(request)["reach"]["total"] == 1


def test_a_teammate_who_may_only_view_contacts_sees_the_dashboard(client, bob):
    some_people()
    client.force_login(bob)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_page_shows_the_expired_figures_while_another_counts_them(client, alice):
    counted = figures.refresh()
    counted.update(took=3.0, computed_at=timezone.now() - figures.RECOUNT_AFTER * 2)
    cache.set(figures.CACHE_KEY, counted)
    cache.set(figures.COUNTING_KEY, True)
    make_contact(first_name="Lou", email="lou@exemple.fr")

    client.force_login(alice)
    try:
        assert client.get(reverse("admin:index")).context["reach"]["total"] == 0
    finally:
        cache.delete(figures.COUNTING_KEY)


def test_it_speaks_english_when_chosen(client, alice):
    some_people()
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:index")).content.decode()
    assert "of your 6 contacts can receive your emails now" in page
    assert "What to do next" in page


def test_it_shows_the_way_to_an_audience_of_ones_own(client, alice):
    """The own-audience card: who can be invited, who is left to reach by hand, the week's
    sign-ups, the link and QR code to share, and the outage notice's button."""
    from audience.models import Signup

    some_people()  # Paul: an address, no consent; Nina: Instagram only
    make_contact(first_name="Lou", phone="+33611111111", handles={"facebook": "lou.b"})
    confirmed = {"form_version": 1, "consent_text": "Oui", "language": "fr"}
    Signup.objects.create(email="a@exemple.fr", first_name="A", confirmed_at=timezone.now(),
                          **confirmed)  # fmt: skip
    Signup.objects.create(email="b@exemple.fr", first_name="B", **confirmed)  # not confirmed
    Signup.objects.create(email="c@exemple.fr", first_name="C", **confirmed,
                          confirmed_at=timezone.now() - timedelta(days=8))  # fmt: skip
    client.force_login(alice)
    response = client.get(reverse("admin:index"))
    card = response.context["audience"]
    page = response.content.decode()

    assert (card["invitable"], card["invited"], card["answered"]) == (1, 0, 0)
    assert card["social_only"] == 2  # Nina and Lou: a network, no address
    assert card["signups_this_week"] == 1
    assert "contact sans consentement peut être invité" in page
    assert reverse("admin:invite_no_consent") in page
    assert reverse("admin:social_only") in page
    assert card["signup"] == f"{settings.SITE_URL}/inscription/" and card["signup"] in page
    assert reverse("signup_qr_svg") in page and reverse("signup_qr_png") in page
    assert client.get(reverse("signup_qr_svg")).status_code == 200
    assert reverse("admin:outage_notice") in page
    assert "Prévenir mes clients" in page


def test_the_outage_button_waits_for_someone_to_warn(client, alice):
    make_contact(first_name="Paul", email="paul@exemple.fr")  # no consent: nobody to warn
    client.force_login(alice)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Prévenir mes clients" not in page
