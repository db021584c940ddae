"""Run Carnet's own commands in child processes, as a user or a process manager would."""

import os
import subprocess
import sys
from pathlib import Path

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
