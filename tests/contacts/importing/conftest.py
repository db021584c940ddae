import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command


def run_import(tmp_path, name: str, data: bytes | str, *args: str, encoding="utf-8") -> str:
    """Write the export to a file, import it with the command, return its summary line."""
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    out = io.StringIO()
    call_command("import_contacts", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()[-1]  # the formats recognised come before it


def counts(summary: str) -> dict[str, int]:
    """Return the counts of the summary line (the last of the command's output)."""
    last = summary.strip().splitlines()[-1]
    return {k: int(v) for k, v in (item.split("=") for item in last.split())}


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=True)


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["read here", "read by a second process"])
def either_reader(request, monkeypatch):
    """Run the test twice: rows read in this process, then by the reading process that
    large imports start (contacts.importing.pipeline), which must give the same result."""
    from contacts.importing import pipeline

    if request.param != "read here":
        monkeypatch.setattr(pipeline, "PROCESS_FROM_ROWS", 0)


def read_rows(tmp_path, text: str, name: str = "contacts.csv", encoding: str = "utf-8"):
    """Return the format recognised in the file and its rows as read, before cleaning."""
    from contacts.importing import recognise

    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    (part,) = recognise.open_parts(name, path)
    return part.format, list(part.rows)
