"""Two-step login (django-otp, TOTP): an administrator turns it on with a QR code from
Réglages; from then on the login asks for the authenticator app's code after the password.
"""

import datetime
import re
import time
from pathlib import Path

import pytest
import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, log_in
from tests.crm.html import visible_text

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _code(device: TOTPDevice, step: int = 0) -> str:
    """The code the authenticator app shows now (or `step` periods away)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step * device.step
    return f"{totp.token():0{device.digits}d}"


def _turned_on(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Carnet", confirmed=True)


def _after_a_while(device: TOTPDevice) -> None:
    """Travel in time past django-otp's pause after a wrong code (1 s after the first)."""
    device.refresh_from_db()
    device.throttling_failure_timestamp -= datetime.timedelta(seconds=2)
    device.save(update_fields=["throttling_failure_timestamp"])


def _log_in(client, code: str | None = None, password: str = PASSWORD):
    data = {"username": "alice", "password": password}
    if code is not None:
        data["otp_token"] = code
    return client.post(LOGIN, data)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_administrator_turns_it_on_with_the_apps_code(client, alice):
    client.force_login(alice)
    url = reverse("admin:two_step")
    assert url == "/admin/reglages/connexion-en-deux-etapes/"

    page = client.get(url).content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    # The QR code is the app's setup link; the key is there to be typed by hand too.
    assert device.config_url.startswith("otpauth://totp/Carnet%3Aalice?secret=")
    assert segno.make(device.config_url, error="m").svg_inline(scale=5) in page.replace(
        "<title>Code QR</title>", ""
    )
    secret = re.search(r'id="two-step-secret">([A-Z2-7 ]+)<', page).group(1)
    assert secret.replace(" ", "") in device.config_url
    said = visible_text(page)
    assert "Connexion en deux étapes" in said
    assert "scannant ce code QR" in said

    wrong = client.post(url, {"code": _code(device, step=10)})
    assert "Ce code n’est pas celui que votre application" in visible_text(wrong.content.decode())
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    hurried = client.post(url, {"code": _code(device)})  # right, but too soon after a wrong one
    assert "attendez un peu" in visible_text(hurried.content.decode())

    _after_a_while(device)
    response = client.post(url, {"code": _code(device)}, follow=True)
    device.refresh_from_db()
    assert device.confirmed
    said = visible_text(response.content.decode())
    assert "La connexion en deux étapes est activée" in said


def test_the_login_asks_for_the_code_once_the_password_is_right(client, alice):
    device = _turned_on(alice)

    asked = _log_in(client)
    assert asked.status_code == 200 and not _logged_in(client)
    page = asked.content.decode()
    assert 'id="otp-row"' in page
    assert "tapez le code à 6 chiffres" in visible_text(page)
    # The password stays in the form: only the code is left to type.
    assert f'value="{PASSWORD}"' in page

    assert not AccessAttempt.objects.exists()  # being asked for the code is no failure

    response = _log_in(client, _code(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert _logged_in(client)
    assert client.session["otp_device_id"] == device.persistent_id


def test_no_code_field_before_the_password_is_right(client, alice):
    _turned_on(alice)
    page = client.get(LOGIN).content.decode()
    assert 'name="otp_token"' not in page
    wrong = _log_in(client, password="wrong").content.decode()
    assert 'name="otp_token"' not in wrong  # a wrong password says nothing about the code
    assert PASSWORD not in wrong


def test_a_wrong_code_is_refused(client, alice):
    device = _turned_on(alice)
    page = _log_in(client, _code(device, step=10)).content.decode()
    assert not _logged_in(client)
    assert "Ce code n’est pas celui que votre application" in visible_text(page)


def test_wrong_codes_count_towards_the_lockout(client, alice):
    device = _turned_on(alice)
    codes = [_log_in(client, f"{n:06d}").status_code for n in range(settings.LOGIN_FAILURE_LIMIT)]
    assert codes == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]
    assert AccessAttempt.objects.get().failures_since_start == settings.LOGIN_FAILURE_LIMIT

    response = _log_in(client, _code(device))  # the right password and code, while locked
    assert response.status_code == 429 and not _logged_in(client)


def test_someone_without_it_logs_in_with_the_password_alone(client, alice, bob):
    _turned_on(alice)
    response = client.post(LOGIN, {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302 and _logged_in(client)


def test_the_administrator_turns_it_off_with_a_code(client, alice):
    device = _turned_on(alice)
    client.force_login(alice)
    url = reverse("admin:two_step")
    assert "La connexion en deux étapes est activée pour votre compte" in visible_text(
        client.get(url).content.decode()
    )
    client.post(url, {"code": _code(device, step=10)})
    assert TOTPDevice.objects.filter(user=alice).exists()

    _after_a_while(device)
    client.post(url, {"code": _code(device)})

    assert not TOTPDevice.objects.filter(user=alice).exists()
    client.logout()
    assert _log_in(client).status_code == 302


def test_an_administrator_turns_it_off_for_whom_lost_the_phone(client, alice, bob):
    bob.is_superuser = True
    bob.save()
    _turned_on(bob)
    client.force_login(alice)
    url = reverse("admin:two_step")
    page = visible_text(client.get(url).content.decode())
    others = page.split("Autres comptes avec la connexion en deux étapes")[1]
    assert "bob" in others and "Désactiver" in others and "alice" not in others

    response = client.post(url, {"turn_off_for": bob.pk}, follow=True)

    assert not TOTPDevice.objects.filter(user=bob).exists()
    said = visible_text(response.content.decode())
    assert "La connexion en deux étapes est désactivée pour bob" in said
    client.logout()
    assert client.post(LOGIN, {"username": "bob", "password": PASSWORD}).status_code == 302


def test_the_keys_stay_out_of_the_admins_lists(client, alice):
    _turned_on(alice)
    client.force_login(alice)
    settings_page = visible_text(client.get(reverse("admin:settings")).content.decode())
    assert "TOTP" not in settings_page and "Autres listes" in settings_page
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 403


def test_only_an_administrator_opens_the_page(client, bob):
    client.force_login(bob)
    assert client.get(reverse("admin:two_step")).status_code == 403
    assert not TOTPDevice.objects.exists()


@pytest.mark.browser
def test_the_owner_turns_it_on_then_logs_in_with_the_code(
    transactional_db, live_server, page, alice
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/reglages/connexion-en-deux-etapes/")
    page.wait_for_selector("#two-step-qr svg")
    assert page.locator("#two-step-qr svg").bounding_box()["width"] > 100
    page.screenshot(path=SCREENSHOTS / "two-step-setup.png", full_page=True)

    device = TOTPDevice.objects.get(user=alice)
    page.fill("#id_code", _code(device))
    page.click("input[type=submit].default")
    page.wait_for_selector("#two-step-on")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#id_otp_token:focus")  # the cursor waits in the code's box
    page.screenshot(path=SCREENSHOTS / "two-step-login.png", full_page=True)
    device.refresh_from_db()
    page.fill("#id_otp_token", _code(device, step=1))  # a code is good once: the next one
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    assert page.url == f"{live_server.url}/admin/"


def test_an_owner_cannot_turn_it_off_for_an_administrator(client, alice, bob):
    # « Propriétaire » opens the page, but nobody but an administrator changes an
    # administrator's account (crm.users): their second step stays.
    from crm import roles

    roles.set_role(bob, roles.OWNER)
    carol = User.objects.create_user("carol", "carol@example.fr", PASSWORD, is_staff=True)
    _turned_on(alice), _turned_on(carol)
    client.force_login(bob)
    url = reverse("admin:two_step")
    others = visible_text(client.get(url).content.decode())
    others = others.split("Autres comptes avec la connexion en deux étapes")[1]
    assert "carol" in others and "alice" not in others

    client.post(url, {"turn_off_for": alice.pk})
    client.post(url, {"turn_off_for": carol.pk})

    assert TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(user=carol).exists()
