"""What both benchmarks share: each tool runs in a child process on a database of its own."""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{POSTGRES}/postgres", "-qc", sql], check=True)


@contextlib.contextmanager
def postgres_database(name: str):
    """Create a fresh PostgreSQL database; yield its URL; drop it afterwards."""
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(script: str, args: list[str], env: dict) -> dict:
    """Run `script --child ARGS` with `env`; return the JSON of its last line of output."""
    out = subprocess.run(
        [sys.executable, script, "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{out.stderr[-5000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
