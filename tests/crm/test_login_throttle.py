"""Login throttling (django-axes): a wrong-password storm locks out its username and address.

Five failures for one username from one address lock that pair for 15 minutes (settings
LOGIN_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES); the right password is refused meanwhile. The
address is the connection's unless TRUSTED_PROXY_COUNT says reverse proxies stand in front.
"""

import datetime
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, log_in
from tests.crm.html import visible_text

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _try(client: Client, password: str, username: str = "alice", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _storm(client: Client, tries: int = 60, **headers) -> list[int]:
    return [_try(client, f"wrong-{n}", **headers).status_code for n in range(tries)]


def _age_failures(minutes: float) -> None:
    """Travel in time: the recorded failures happened `minutes` earlier than they did."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= datetime.timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_sixty_wrong_passwords_lock_out_even_the_right_one(client, alice):
    limit = settings.LOGIN_FAILURE_LIMIT
    assert (limit, settings.LOGIN_COOLOFF_MINUTES) == (5, 15)

    codes = _storm(client)

    assert codes == [200] * (limit - 1) + [429] * (60 - limit + 1)
    response = _try(client, PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)
    # Tries made while locked do not push the lockout back: one record of five failures.
    assert AccessAttempt.objects.get().failures_since_start == limit


def test_the_lockout_page_says_in_french_when_to_try_again(client, alice):
    _storm(client, 5)
    last = AccessAttempt.objects.get().attempt_time
    until = timezone.localtime(last + datetime.timedelta(minutes=15)).strftime("%H:%M")

    html = _try(client, PASSWORD).content.decode()

    assert 'lang="fr"' in html
    assert "<h1>Connexion suspendue pour un moment</h1>" in html
    lockout = visible_text(html)
    assert "5 mots de passe erronés ont été saisis à la suite pour « alice »" in lockout
    assert f"Vous pourrez réessayer à {until} (dans 14 minutes" in lockout
    assert "même le bon mot de passe est refusé" in lockout
    assert "Too many" not in html and "Account locked" not in html


def test_the_lockout_page_speaks_english_to_who_chose_it(client, alice):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _storm(client, 5)

    lockout = visible_text(_try(client, PASSWORD).content.decode())

    assert "5 wrong passwords in a row were typed for “alice”" in lockout
    assert "You can try again at" in lockout


def test_the_right_password_logs_in_once_the_cool_off_is_over(client, alice):
    _storm(client, 12)
    _age_failures(14)
    assert _try(client, PASSWORD).status_code == 429  # 14 minutes on: still locked

    _age_failures(1.1)
    response = _try(client, PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert _logged_in(client)
    assert not AccessAttempt.objects.exists()  # a success forgets the failures


def test_fewer_failures_than_the_limit_lock_nobody_out(client, alice):
    _storm(client, settings.LOGIN_FAILURE_LIMIT - 1)
    assert _try(client, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_the_lock_holds_one_username_from_one_address(client, alice, bob):
    _storm(client, 5)
    assert _try(client, PASSWORD, "bob").status_code == 302  # a teammate at the same desk
    elsewhere = Client(REMOTE_ADDR="192.0.2.40")
    assert _try(elsewhere, PASSWORD).status_code == 302  # alice from another address


def test_a_forged_forwarded_for_does_not_escape_the_lockout(client, alice):
    _storm(client, 5, HTTP_X_FORWARDED_FOR="198.51.100.1")

    response = _try(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429 and not _logged_in(client)
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # the proxy connects from 127.0.0.1 and appends the client
    _storm(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"

    # The attacker writes another address first; the proxy appends the real one after it.
    forged = _try(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9, 203.0.113.5")
    assert forged.status_code == 429 and not _logged_in(client)

    # Another visitor behind the same proxy is not locked out by the attacker.
    assert _try(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "counted"),
    [
        (1, "", "127.0.0.1"),  # no header: the request did not come through the proxy
        (1, "not-an-address", "127.0.0.1"),
        (2, "203.0.113.5", "127.0.0.1"),  # fewer hops than proxies
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_counted_address(client, alice, settings, proxies, forwarded, counted):
    settings.TRUSTED_PROXY_COUNT = proxies
    _try(client, "wrong", HTTP_X_FORWARDED_FOR=forwarded)
    assert AccessAttempt.objects.get().ip_address == counted


@pytest.mark.browser
def test_the_owner_sees_the_lockout_page_in_the_admins_look(
    transactional_db, live_server, page, alice
):
    page.set_viewport_size({"width": 1280, "height": 720})
    for n in range(5):
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", f"wrong-{n}")
        page.click("input[type=submit]")
    page.wait_for_selector("#lockout")
    assert page.locator("h1").inner_text() == "Connexion suspendue pour un moment"
    assert "Vous pourrez réessayer à" in page.locator("#lockout-until").inner_text()
    assert page.locator("#site-name").inner_text() == "Carnet"
    page.screenshot(path=SCREENSHOTS / "login-lockout.png", full_page=True)

    page.click("text=Retour à la page de connexion")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#lockout")  # the right password too, while locked

    _age_failures(16)
    log_in(page, live_server.url, "alice")
    assert page.url == f"{live_server.url}/admin/"
