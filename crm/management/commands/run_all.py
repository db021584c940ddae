"""`manage.py run_all`: the Procfile's web app, worker and beat, stopped by one Ctrl-C."""

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho import manager as honcho_manager
from honcho.compat import ProcessManager
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

# honcho SIGKILLs whatever still runs 5 s after the first process stops, but Celery's warm
# shutdown takes 5-7 s on the embedded broker with nothing to do, and lets a task finish.
honcho_manager.KILL_WAIT = 60
STOPPED_BY_SIGNAL = (130, 143)  # honcho's status after SIGINT, SIGTERM


class MainProcessOnly(ProcessManager):
    """Ask a process to stop through its main process, as Celery expects."""

    def terminate(self, pid: int) -> None:
        """Send SIGTERM to the process alone, not to its group (honcho's way)."""
        # A worker's pool processes must finish their tasks (warm shutdown): SIGTERM sent to
        # them too would end the tasks at once, logging an error for each process.
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


class Processes(Manager):
    """honcho's manager, patient, remembering whether it had to kill anything."""

    killed = False

    def __init__(self, printer: Printer) -> None:
        super().__init__(printer)
        self._procmgr = MainProcessOnly()

    def kill(self) -> None:
        """SIGKILL what still runs, once the wait is over."""
        self.killed = True
        super().kill()

    def exit_status(self) -> int:
        """Return 0 when a stop asked for was clean, else the first failure's status."""
        if self.returncode in STOPPED_BY_SIGNAL and not self.killed:
            return 0
        return self.returncode or int(self.killed)


@contextmanager
def _ignoring_sigttou() -> Iterator[None]:
    """Let a process outside the terminal's foreground change it (as shells do)."""
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGTTOU, previous)


@contextmanager
def terminal_foreground() -> Iterator[None]:
    """Hold the terminal's foreground, so that Ctrl-C reaches Carnet's processes, not make.

    GNU make kills itself with SIGINT ("Interrupt", status 130) whenever Ctrl-C reaches it,
    however its recipe ends; in a process group of our own, it never sees the Ctrl-C.
    """
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:  # no terminal: a process manager or a test stops us by signal
        yield
        return
    try:
        make_group = os.tcgetpgrp(tty)
        if make_group != os.getpgrp() or os.getsid(0) == os.getpid():
            yield  # started in the background, or already on our own
            return
        os.setpgid(0, 0)
        with _ignoring_sigttou():
            os.tcsetpgrp(tty, os.getpgrp())
        try:
            yield
        finally:
            with _ignoring_sigttou():
                os.tcsetpgrp(tty, make_group)
    finally:
        os.close(tty)


class Command(BaseCommand):
    help = "Run the web app, a worker and beat (the Procfile) until Ctrl-C stops them."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT") or 8000), help="web port"
        )

    def handle(self, *args, port: int, **options) -> None:
        # The settings loaded .env into this environment: LOG_LEVEL reaches the Procfile.
        env = {**os.environ, "PORT": str(port)}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        procfile = parse_procfile((Path(settings.BASE_DIR) / "Procfile").read_text())
        processes = Processes(Printer(sys.stdout))
        for name, command in procfile.processes.items():
            # exec: the shell expanding ${LOG_LEVEL:-…} gives way, so SIGTERM reaches the program.
            processes.add_process(name, f"exec {command}", env=env, cwd=str(settings.BASE_DIR))
        with terminal_foreground():
            processes.loop()
        sys.exit(processes.exit_status())
