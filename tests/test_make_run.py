"""`make run` on a fresh setup: the French admin, a worker and beat, stopped by Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from tests.conftest import log_in
from tests.helpers import ROOT, child_env

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ADMIN = {"ADMIN_EMAIL": "owner@boulangerie.example", "ADMIN_PASSWORD": "pain-au-chocolat-42"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_served(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run stopped early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} was not served within {seconds} s")


def _stop_like_ctrl_c(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError("some processes of make run outlived Ctrl-C")


@pytest.fixture
def services_env():
    """A new PostgreSQL database and an emptied Redis database for this run."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not (database_url or "").startswith("postgres") or not redis_url:
        pytest.skip("needs DATABASE_URL (PostgreSQL) and REDIS_URL, as .ci/run sets them")
    name = f"carnet_make_run_{os.getpid()}"
    admin_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    run_redis = urlunsplit(urlsplit(redis_url)._replace(path="/14"))
    redis.Redis.from_url(run_redis).flushdb()
    yield {
        "DATABASE_URL": urlunsplit(urlsplit(database_url)._replace(path=f"/{name}")),
        "REDIS_URL": run_redis,
    }
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["embedded", "services"])
def run_env(request, tmp_path):
    """The environment of `make run`: nothing but SQLite and files, or PostgreSQL and Redis."""
    servers = (
        {"DATABASE_URL": None, "REDIS_URL": None}
        if request.param == "embedded"
        else request.getfixturevalue("services_env")
    )
    return child_env(
        VAR_DIR=str(tmp_path / "var"), PORT=str(_free_port()), SECRET_KEY=None, **ADMIN, **servers
    )


def test_make_run_serves_the_french_admin_with_workers_running(run_env, page, tmp_path):
    base_url = f"http://127.0.0.1:{run_env['PORT']}"
    with open(tmp_path / "make-run.log", "w") as log:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=run_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_served(f"{base_url}/admin/login/", process, seconds=120)
            page.goto(f"{base_url}/admin/login/")
            assert page.title() == "Connexion | Carnet"
            log_in(page, base_url, ADMIN["ADMIN_EMAIL"], ADMIN["ADMIN_PASSWORD"])
            deadline = time.monotonic() + 60
            while "en marche" not in page.inner_text("#workers-status"):
                assert time.monotonic() < deadline, (tmp_path / "make-run.log").read_text()
                time.sleep(3)
                page.reload()
        finally:
            _stop_like_ctrl_c(process)
    log_text = (tmp_path / "make-run.log").read_text()
    assert "celery@" in log_text and "beat: Starting" in log_text
