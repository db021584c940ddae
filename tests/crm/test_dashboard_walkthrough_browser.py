"""Faults the owner met on the dashboard, walked through in a real browser."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from audience.models import Signup
from campaigns.models import Business
from tests.conftest import log_in
from tests.crm.test_dashboard_browser import _no_old_figures  # noqa: F401  (autouse)

pytestmark = pytest.mark.browser


def _signup(email: str, **fields) -> Signup:
    return Signup.objects.create(email=email, first_name=email.split("@")[0], form_version=1,
                                 consent_text="Oui", language="fr", **fields)  # fmt: skip


def test_the_sign_ups_waiting_for_their_confirmation_are_counted(
    transactional_db, live_server, page, alice
):
    for name in ("ines", "jules", "karim"):
        _signup(f"{name}@exemple.fr")  # waiting for their confirmation
    _signup("lea@exemple.fr", confirmed_at=timezone.now())  # confirmed
    expired = timezone.now() - timedelta(days=settings.SIGNUP_CONFIRM_DAYS, hours=1)
    _signup("marc@exemple.fr", signed_up_at=expired)  # link expired: no longer waiting
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "alice")

    waiting = page.locator("#own-audience #signups-pending")
    expect(waiting).to_contain_text("3 inscriptions en attente de confirmation")
    with page.expect_navigation():
        waiting.get_by_role("link", name="les voir").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#result_list")).not_to_contain_text("lea@exemple.fr")
    expect(page.locator("#result_list")).not_to_contain_text("marc@exemple.fr")


def test_no_sign_up_waiting_says_nothing(transactional_db, live_server, page, alice):
    _signup("lea@exemple.fr", confirmed_at=timezone.now())
    log_in(page, live_server.url, "alice")
    expect(page.locator("#own-audience")).to_contain_text("1 inscription cette semaine")
    expect(page.locator("#signups-pending")).to_have_count(0)


def test_an_empty_business_is_said_before_sending(transactional_db, live_server, page, alice):
    Business(name="Boulangerie Lefèvre").save()  # saved without its address
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "alice")
    warning = page.locator("#business-missing")
    expect(warning).to_contain_text("Il manque à « Votre entreprise » : adresse postale.")
    expect(warning).not_to_contain_text("nom de l’entreprise")

    Business.objects.all().delete()
    page.reload()
    expect(warning).to_contain_text("nom de l’entreprise, adresse postale")
    with page.expect_navigation():
        warning.get_by_role("link", name="Renseigner votre entreprise").click()
    page.get_by_label("Nom de l’entreprise").fill("Boulangerie Lefèvre")
    page.get_by_label("Adresse postale").fill("12 rue des Granges, 25000 Besançon")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#next-steps")).to_be_visible()
    expect(warning).to_have_count(0)
