import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts import exporting
from contacts.models import Contact

_DELIMITERS = {"semicolon": ";", "comma": ",", "tab": "\t"}


class Command(BaseCommand):
    help = "Export every contact as CSV (for Excel, UTF-8 with BOM), vCard 3.0 or JSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=exporting.FORMATS,
            default="csv",
            help="csv (default), vcard or json.",
        )
        parser.add_argument("--output", type=Path, help="File to write (default: stdout).")
        parser.add_argument(
            "--delimiter",
            choices=["semicolon", "comma", "tab"],
            default="semicolon",
            help="CSV delimiter: semicolon (default, what French Excel expects), comma or tab.",
        )

    def handle(self, *args, format, output, delimiter, **options):
        contacts = Contact.objects.order_by("pk")
        if format == "csv":
            text = exporting.csv_chunks(contacts, delimiter=_DELIMITERS[delimiter])
        else:
            text = exporting.chunks(format, contacts)
        if output is None:
            try:
                for chunk in text:
                    sys.stdout.buffer.write(chunk.encode())
                sys.stdout.flush()
            except BrokenPipeError:  # `| head` has read what it wanted
                sys.stdout = None
            return
        if not output.parent.is_dir():
            raise CommandError(f"cannot write {output}: the folder {output.parent} does not exist")
        try:
            _write_atomically(output, text)
        except OSError as e:
            raise CommandError(f"cannot write {output}: {e.strerror}") from e


def _write_atomically(path: Path, text) -> None:
    """Write the whole export beside `path`, then rename: a failure leaves no partial file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.writelines(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
