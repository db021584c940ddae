import secrets

import pytest

from tests.helpers import manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "crm.boulangerie.example",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
}


def test_production_settings_pass_the_deployment_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "warning"),
    [
        ("SECURE_SSL_REDIRECT", "security.W008"),
        ("SECURE_HSTS_SECONDS", "security.W004"),
        ("SESSION_COOKIE_SECURE", "security.W012"),
        ("CSRF_COOKIE_SECURE", "security.W016"),
    ],
)
def test_the_deployment_check_names_each_switch_left_off(missing, warning):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, missing: None}
    )
    assert result.returncode != 0
    assert warning in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECURE_HSTS_SECONDS", "one year"),
        ("TIME_ZONE", "Europe/Atlantis"),
        ("LANGUAGE_CODE", "de"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("ANYMAIL_ESP", "carrier-pigeon"),
    ],
)
def test_a_bad_value_stops_startup_naming_the_variable(name, value):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


def test_an_esp_is_chosen_by_name():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND)",
        ANYMAIL_ESP="mailgun",
        ANYMAIL_MAILGUN_API_KEY="key-x",
    )
    assert result.stdout.splitlines()[-1] == "anymail.backends.mailgun.EmailBackend", result.stderr
