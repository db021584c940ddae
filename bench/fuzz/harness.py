"""What the atheris targets of bench/fuzz/ share: Django set up, a file read as an import
reads it, and the one rule they check: a file is read or refused (UnreadableFile, one line),
anything else is a finding.

Each target fuzzes one entry point of the importers:

    fuzz_file.py      any file, recognised (contacts.importing.recognise.open_parts)
    fuzz_workbook.py  a workbook (the XLSX reader, openpyxl behind it)
    fuzz_table.py     a delimited text read by each spreadsheet-shaped format
    fuzz_json.py      a JSON document read by each JSON format (Facebook, Instagram, Telegram)
    fuzz_vcard.py     a vCard file (contacts.importing.formats.vcard)

    .venv/bin/pip install -e '.[bench]'          # atheris
    .venv/bin/python bench/fuzz/fuzz_vcard.py -max_total_time=600 -rss_limit_mb=1024 CORPUS/
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="carnet-fuzz-"))


def setup() -> None:
    import django

    django.setup()


def read_file(data: bytes, name: str, forced: str = "auto") -> None:
    """Read the bytes as a file of this name; fail on anything but a read or a refusal."""
    from probe import read

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        result = read(path, forced)
    if result["outcome"] == "refused":
        assert result["message"] and "\n" not in result["message"], result


def rows_of(rows) -> None:
    """Read every row (a Row or a BadRecord) and clean it, as an import does."""
    from contacts.importing.clean import clean
    from contacts.importing.row import BadRecord

    for row in rows:
        if not isinstance(row, BadRecord):
            clean(row, "FR")


def run(test) -> None:
    """Start atheris on `test(data: bytes)`, with the arguments of the command line."""
    import atheris

    with atheris.instrument_imports(include=["contacts"]):
        setup()
        from contacts.importing import formats, recognise  # noqa: F401 - instrumented
    atheris.Setup(sys.argv, test)
    atheris.Fuzz()
