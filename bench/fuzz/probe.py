"""Read files as an import reads them, writing nothing, and print what each cost.

Each file is read in a process of its own, forked once Django is set up, as the worker and
the command line read it: recognised, every row read and cleaned (contacts.importing.
pipeline), in French. One JSON line per file on stdout: its outcome ("read", "refused",
"crashed" or "killed"), the refusal's message (or the error), the rows read, the seconds
taken and the reading process's peak memory (os.wait4's ru_maxrss, in MB: Django's own
memory included). A reading is stopped after --seconds, and its address space capped at
--max-mb so that a bomb cannot take the machine down.

    .venv/bin/python bench/fuzz/probe.py FILE[:FORMAT] … [--seconds 120] [--max-mb 3000]
"""

import argparse
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def read(path: Path, forced: str = "auto") -> dict:
    """Read the file as an import does (writing nothing); return the outcome."""
    from django.conf import settings
    from django.utils import translation

    from contacts.importing import pipeline
    from contacts.importing.decode import UnreadableFile

    spec = pipeline.Spec(
        files=[(path.name, str(path))], forced=forced, mapping={}, region="FR", chunk=2000,
        language="fr", max_mb=settings.IMPORT_MAX_MB,
    )  # fmt: skip
    rows = 0
    with translation.override("fr"):
        try:
            parts = pipeline.open_parts(spec)
            for batch in pipeline.batches(spec, parts, estimated_rows=0):  # read here
                rows += len(batch.rows) + batch.skipped + batch.failed
        except UnreadableFile as e:
            return {"outcome": "refused", "message": str(e), "rows": rows}
    return {"outcome": "read", "message": "", "rows": rows}


def measured(path: Path, forced: str, seconds: int, max_mb: int) -> dict:
    """Read the file in a forked process; return its outcome, seconds and peak memory."""
    out, inlet = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: bounded, it reads and says what came of it
        os.close(out)
        resource.setrlimit(resource.RLIMIT_AS, (max_mb << 20, max_mb << 20))
        signal.alarm(seconds)  # its default action ends the process
        try:
            result = read(path, forced)
        except BaseException as e:  # reported: the parent decides
            result = {"outcome": "crashed", "message": f"{type(e).__name__}: {e}"[:500]}
        os.write(inlet, json.dumps(result).encode())
        os._exit(0)
    os.close(inlet)
    with os.fdopen(out, "rb") as f:
        said = f.read()
    _pid, status, usage = os.wait4(pid, 0)
    result = json.loads(said) if said else {"outcome": "killed", "message": f"status {status}"}
    return {
        "file": path.name, "format": forced, **result,
        "seconds": round(time.monotonic() - start, 2),
        "peak_mb": round(usage.ru_maxrss / 1024),  # KiB on Linux
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", metavar="FILE[:FORMAT]")
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--max-mb", type=int, default=3000)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    for item in options.files:
        name, _, forced = item.partition(":")
        result = measured(Path(name), forced or "auto", options.seconds, options.max_mb)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
