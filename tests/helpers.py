"""Run Carnet's own commands in child processes, as a user or a process manager would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def child_env(**overrides: str | None) -> dict[str, str]:
    """Return this environment with `overrides` applied (None removes a variable)."""
    env = dict(os.environ)
    # Set for Playwright in this process only; a child process must keep async safety.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_celery(*args: str, log, **env: str | None) -> subprocess.Popen:
    """Start `celery -A crm ARGS` (a worker, beat) on the configured broker."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", *args],
        cwd=ROOT,
        env=child_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def database_url(settings_dict: dict) -> str:
    """Return the DATABASE_URL of a connection's settings (the test database, say)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] + (
        f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    )
    host = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{user}@{host}/{settings_dict['NAME']}"


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def business_filled_in(request):
    """« Your business » filled in for every test that uses the database, where this is
    imported into a conftest (autouse there): nothing is scheduled or sent without it. A test
    of an incomplete business empties it itself."""
    marked = request.node.get_closest_marker("django_db") is not None
    if marked or DATABASE_FIXTURES & set(request.fixturenames):
        request.getfixturevalue("db")  # transactional where the test asks for it
        save_business(website="")  # what the law asks only: the layout shows no more


def save_business(**fields):
    """Save the bakery the tests write as (its brand and address), with `fields` added."""
    from campaigns.models import Business

    fields = {"name": "Boulangerie Lefèvre", "website": "https://boulangerie-lefevre.fr",
              "postal_address": "12 rue des Granges, 25000 Besançon", **fields}  # fmt: skip
    business = Business(**fields)
    business.full_clean()
    business.save()
    return business
