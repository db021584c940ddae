"""`manage.py check --deploy --fail-level WARNING` is clean with production settings.

The settings come from the environment, as README's "Production" sets them: DEBUG off, a
long SECRET_KEY, the host, and the SECURE_* switches behind HTTPS.
"""

import secrets

from tests.helpers import manage

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "crm.boulangerie-lefevre.fr",
    "CSRF_TRUSTED_ORIGINS": "https://crm.boulangerie-lefevre.fr",
    "SITE_URL": "https://crm.boulangerie-lefevre.fr",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
    "TRUSTED_PROXY_COUNT": "1",
}


def _check(**changes: str | None):
    env = {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(64), **changes}
    return manage("check", "--deploy", "--fail-level", "WARNING", **env)


def test_the_deployment_check_is_clean_in_production(tmp_path):
    checked = _check(VAR_DIR=str(tmp_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout


def test_it_does_fail_on_a_production_setting_left_off(tmp_path):
    """The check reads the environment: each switch left off is a warning, and fails."""
    for name, warning in (("SESSION_COOKIE_SECURE", "security.W012"),
                          ("SECURE_HSTS_SECONDS", "security.W004"),
                          ("DEBUG", "security.W018")):  # fmt: skip
        value = "true" if name == "DEBUG" else ("0" if name.endswith("SECONDS") else "false")
        checked = _check(VAR_DIR=str(tmp_path), **{name: value})
        assert checked.returncode != 0 and warning in checked.stderr + checked.stdout, name
    short = _check(VAR_DIR=str(tmp_path), SECRET_KEY="court")
    assert short.returncode != 0 and "security.W009" in short.stderr + short.stdout
