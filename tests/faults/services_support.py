"""A whole Carnet of its own for fault tests: private PostgreSQL and Redis servers that a test
may stop, restart or flush, the web app (gunicorn), a Celery worker and beat, and an SMTP
sink, all on 127.0.0.1.

The shared servers (PostgreSQL on 5432, Redis on 6379) are never touched: other tests and
CI use them. Every server here is started on a free port and stopped at the end.
"""

import contextlib
import glob
import http.cookiejar
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import redis

from tests.campaigns.smtp import free_port, start_smtp
from tests.helpers import ROOT, child_env, stop

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command


def wait_until(condition, seconds: float, what: str, every: float = 0.1):
    """Return condition()'s first true value; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if value := condition():
                return value
        time.sleep(every)
    raise AssertionError(f"still waiting, after {seconds} s, for {what}")


class PrivateRedis:
    """A redis-server of this test's own, holding nothing on disk."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.client().ping, 10, "the private Redis to answer")

    def stop(self) -> None:
        """Stop it: what it held is gone (nothing is saved), as after a crash."""
        stop(self.process)

    def flushall(self) -> None:
        self.client().flushall()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (initdb in a temporary folder)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="carnet-faults-pg-"))
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/carnet"
        # initdb refuses to run as root: the server runs as Debian's postgres user then.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.folder, "postgres")

    def pg(self, tool: str, *args: str) -> None:
        binary = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))[-1]
        subprocess.run(
            [*self.as_owner, binary, *args], check=True, capture_output=True, timeout=60
        )

    def start(self) -> None:
        data = str(self.folder / "data")
        self.pg("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync")
        self.start_server()
        with self.connect("postgres") as conn:
            conn.autocommit = True
            conn.execute("CREATE DATABASE carnet")

    def stop_server(self, mode: str) -> None:
        """Stop the server as an administrator would: `fast` cuts every connection."""
        self.pg("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def start_server(self) -> None:
        # fsync off: a fast stop is a clean shutdown, which writes everything out anyway.
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=50"
        )
        self.pg(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, database: str = "carnet") -> psycopg.Connection:
        return psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/{database}", connect_timeout=5
        )


class Page(str):
    """A page's HTML, with its response headers."""

    def __new__(cls, html: str, headers):
        page = super().__new__(cls, html)
        page.headers = headers
        return page


class Web:
    """A browser of sorts: cookies kept, redirects not followed, every status returned."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def get(self, path: str) -> tuple[int, Page]:
        return self.open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict) -> tuple[int, Page]:
        data = urllib.parse.urlencode(fields).encode()
        return self.open(
            urllib.request.Request(
                self.base + path, data=data, headers={"Referer": self.base + path}
            )
        )

    def open(self, request) -> tuple[int, "Page"]:
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, Page(response.read().decode(), response.headers)
        except urllib.error.HTTPError as e:
            return e.code, Page(e.read().decode(), e.headers)

    def log_in(self, username: str, password: str) -> None:
        _, page = self.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.post(
            "/admin/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        assert status == 302, "the owner could not log in"


class Carnet:
    """Carnet's processes on the private servers: web app, worker, beat; an SMTP sink."""

    def __init__(self, postgres: PrivatePostgres, redis_server: PrivateRedis, folder: Path):
        self.folder = folder
        self.smtp_controller, self.smtp = start_smtp()
        self.web_port = free_port()
        self.env = {
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis_server.url,
            "VAR_DIR": str(folder / "var"),
            "SECRET_KEY": "faults-" + "x" * 50,
            "DEBUG": "false",
            "SITE_URL": f"http://127.0.0.1:{self.web_port}",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_controller.port),
            "EMAIL_TIMEOUT": "5",
            "CAMPAIGN_TICK_SECONDS": "1",
            "CAMPAIGN_BATCH_SIZE": "50",
            "CAMPAIGN_LEASE_SECONDS": "10",
            "CAMPAIGN_RETRY_SECONDS": "2",
            "SEND_RATE_PER_SECOND": "100",
            "LANGUAGE_CODE": "fr",
            "LOG_LEVEL": "INFO",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.web = Web(f"http://127.0.0.1:{self.web_port}")

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=child_env(**self.env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"manage.py {args[0]} failed: {done.stderr[-3000:]}"
        return done.stdout

    def prepare(self, contacts: int) -> None:
        """Migrate, write `contacts` mailable customers and the owner's account."""
        self.manage("migrate", "--noinput")
        people = self.folder / "clients.csv"
        people.write_text(
            "email,first_name,last_name\n"
            + "".join(f"client{i}@exemple.fr,Client{i},Dupont\n" for i in range(contacts))
        )
        assert f"created={contacts}" in self.manage(
            "import_contacts", str(people), "--basis", "customer"
        )
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            "from campaigns.models import Business; "
            "User.objects.create_superuser('alice', 'alice@exemple.fr', 'cheval-batterie'); "
            "Business(name='Boulangerie Lefèvre', postal_address='12 rue des Granges').save()",
        )

    def start(self) -> None:
        self.spawn("web", f"gunicorn crm.wsgi --bind 127.0.0.1:{self.web_port} --workers 2")
        self.spawn("worker", "celery -A crm worker --pool=solo --loglevel=INFO")
        self.spawn("beat", f"celery -A crm beat --loglevel=INFO --schedule {self.folder / 'beat'}")
        wait_until(lambda: self.web.get("/inscription/")[0] == 200, 30, "the web app")
        self.web.log_in("alice", "cheval-batterie")

    def spawn(self, name: str, module_and_args: str) -> None:
        """Start `python -m MODULE ARGS` (words without spaces) as a child, logged to a file."""
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", *module_and_args.split()],
            cwd=ROOT,
            env=child_env(**self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name].log = log

    def alive(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is None]

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.log.close()
        self.smtp_controller.stop()

    def send_campaign(self, name: str, body: Path) -> int:
        """Create a campaign to every mailable contact, to be sent now; return its id."""
        return int(
            self.manage(
                "campaign",
                "create",
                "--name",
                name,
                "--subject",
                name,
                "--html",
                str(body),
                "--at",
                "now",
            ).strip()
        )

    def status(self, campaign_id: int) -> dict:
        """Return `manage.py campaign status`: the campaign's status and counters."""
        return json.loads(self.manage("campaign", "status", str(campaign_id)))

    def received(self, subject: str) -> list[str]:
        """Every recipient of the messages the sink received with this subject, repeats kept."""
        line = re.compile(rb"^Subject: " + re.escape(subject.encode()) + rb"\r?$", re.M)
        with self.smtp.lock:
            messages = list(self.smtp.messages)
        return [r for m in messages if line.search(m.data) for r in m.recipients]
