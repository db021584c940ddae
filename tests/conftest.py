"""Shared fixtures: a small cast of users, and a real browser.

alice owns the business (superuser); bob is a teammate who may only view contacts;
charlie has an account but no access to the admin.
"""

import os

import pytest
from django.contrib.auth.models import Permission, User

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def alice(db):
    return User.objects.create_superuser("alice", "alice@example.fr", PASSWORD)


@pytest.fixture
def bob(db):
    bob = User.objects.create_user("bob", "bob@example.fr", PASSWORD, is_staff=True)
    bob.user_permissions.add(Permission.objects.get(codename="view_contact"))
    return bob


@pytest.fixture
def charlie(db):
    return User.objects.create_user("charlie", "charlie@example.fr", PASSWORD)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright; a missing browser fails."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM, used by
    # the same test thread, would otherwise refuse to run beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real `celery worker` process, on the test database and the configured broker."""
    from django.db import connection

    from tests.helpers import database_url, start_celery, stop

    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = start_celery(
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            log=log,
            DATABASE_URL=database_url(connection.settings_dict),
        )
        process.log_path = log_path
        yield process
        stop(process)


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def pytest_collection_modifyitems(config, items):
    """Tests marked postgresql need PostgreSQL and Redis: on SQLite they say so and wait.

    In CI they run in the PostgreSQL pass and are deselected from the SQLite one.
    """
    from django.db import connections

    if connections["default"].vendor == "postgresql":
        return
    reason = "needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL, as .ci/run does"
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a test that did not run: fail the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; every test must run here.")
        session.exitstatus = 1
