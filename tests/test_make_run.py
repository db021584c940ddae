"""`make run` on a fresh setup: the French admin, a worker and beat, quiet, stopped by Ctrl-C."""

import os
import pty
import re
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import log_in
from tests.helpers import ROOT, child_env

pytestmark = [pytest.mark.slow, pytest.mark.browser]

OWNER = "owner@boulangerie.example"
QUIET_SECONDS = 20  # beat's tick is 15 s: at INFO it would have logged by then
CTRL_C = b"\x03"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _services_configured() -> bool:
    database_url = os.environ.get("DATABASE_URL") or ""
    return database_url.startswith("postgres") and bool(os.environ.get("REDIS_URL"))


class Terminal:
    """`make run` in a pseudo-terminal, as the owner starts it, with all it prints."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        # setsid --ctty: a session of its own with this terminal, like a shell's window.
        self.process = subprocess.Popen(
            ["setsid", "--ctty", "make", "run"],
            cwd=ROOT,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        self.output = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: everyone holding the terminal is gone
                return
            if not chunk:
                return
            self.output += chunk

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")

    def press_ctrl_c(self) -> None:
        os.write(self.master, CTRL_C)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)
        os.close(self.master)


def _wait_until_served(url: str, terminal: Terminal, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert terminal.process.poll() is None, f"make run stopped early:\n{terminal.text}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} was not served within {seconds} s:\n{terminal.text}")


def _processes_using(var_dir: Path) -> list[str]:
    """Return the command lines of the processes still running on this `VAR_DIR`."""
    marker = f"VAR_DIR={var_dir}\0".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "environ").read_bytes():
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # ended meanwhile, or not ours
            continue
    return found


def _wait_until_gone(var_dir: Path, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := _processes_using(var_dir)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def _one_time_password(text: str) -> str:
    found = re.search(r"Mot de passe \(affiché une seule fois, notez-le\) : (\S+)", text)
    assert found, f"no one-time password printed:\n{text}"
    return found.group(1)


@pytest.fixture
def services_env():
    """A new PostgreSQL database and an emptied Redis database for this run."""
    import psycopg
    import redis

    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
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


# SQLite and the embedded broker always; PostgreSQL and Redis too when .ci/run gives them.
@pytest.fixture(params=["embedded", "services"] if _services_configured() else ["embedded"])
def run_env(request, tmp_path):
    """The environment of `make run`: nothing but SQLite and files, or PostgreSQL and Redis."""
    servers = (
        {"DATABASE_URL": None, "REDIS_URL": None}
        if request.param == "embedded"
        else request.getfixturevalue("services_env")
    )
    return child_env(
        VAR_DIR=str(tmp_path / "var"),
        PORT=str(_free_port()),
        SECRET_KEY=None,
        LOG_LEVEL=None,
        ADMIN_EMAIL=OWNER,
        ADMIN_PASSWORD=None,
        **servers,
    )


def test_make_run_serves_the_french_admin_quietly_until_ctrl_c(run_env, page):
    base_url = f"http://127.0.0.1:{run_env['PORT']}"
    var_dir = Path(run_env["VAR_DIR"])
    terminal = Terminal(run_env)
    try:
        _wait_until_served(f"{base_url}/admin/login/", terminal, seconds=60)
        started = time.monotonic()
        page.goto(f"{base_url}/admin/login/")
        assert page.title() == "Connexion | Carnet"
        log_in(page, base_url, OWNER, _one_time_password(terminal.text))
        while not page.locator("#workers .ok").count():  # the dashboard: workers running
            assert time.monotonic() - started < 40, terminal.text
            time.sleep(2)
            page.reload()
        time.sleep(max(0, QUIET_SECONDS - (time.monotonic() - started)))
        before_ctrl_c = terminal.text
        terminal.press_ctrl_c()
        terminal.process.wait(timeout=30)
        left = _wait_until_gone(var_dir, seconds=5)
    finally:
        terminal.close()
    log = terminal.text
    assert terminal.process.returncode == 0, log
    assert "Error 130" not in log and "Interrupt" not in log, log
    assert "SIGKILL" not in log and "Killing" not in log, log
    assert not left, f"still running after Ctrl-C: {left}"
    # Quiet: the banners, then nothing at INFO (no line every 15 s burying the password).
    assert "celery@" in before_ctrl_c and "celery beat" in before_ctrl_c
    assert not re.search(r"INFO/|beat: Starting|Scheduler: Sending", before_ctrl_c), log
    assert "Warm shutdown" in log
