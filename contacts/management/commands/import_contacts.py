import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts.choices import ConsentBasis
from contacts.importing import engine
from contacts.importing.files import FORMAT_CHOICES
from contacts.importing.text import UnreadableFile


class Command(BaseCommand):
    help = (
        "Import contacts from CSV, XLSX, vCard, Google, Outlook, LinkedIn, Facebook, "
        "Instagram, Telegram, Mailchimp or Brevo exports (files or ZIP archives)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--format", choices=FORMAT_CHOICES, default="auto")
        parser.add_argument("--tag", action="append", default=[], help="Tag every contact.")
        parser.add_argument(
            "--basis",
            choices=ConsentBasis.values,
            default="",
            help="Why these people may be emailed; without it they arrive as no_consent.",
        )
        parser.add_argument("--on-duplicate", choices=["update", "skip"], default="update")
        parser.add_argument("--dry-run", action="store_true", help="Count, write nothing.")

    def handle(self, *args, paths, format, tag, basis, on_duplicate, dry_run, **options):
        inputs = [(path.name, _readable(path)) for path in paths]
        try:
            job = engine.run(
                inputs,
                forced=format,
                basis=basis,
                tags=tag,
                update_existing=on_duplicate == "update",
                dry_run=dry_run,
                progress=self._progress if sys.stderr.isatty() else None,
            )
        except UnreadableFile as e:
            raise CommandError(str(e)) from e
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        for error in job.report.get("errors", [])[:20]:
            self.stderr.write(f"{error['file']}:{error['line']}: {error['reason']}")
        self.stdout.write(
            f"created={job.created} updated={job.updated} unchanged={job.unchanged} "
            f"skipped={job.skipped} errors={job.errors}"
        )

    def _progress(self, job) -> None:
        sys.stderr.write(f"\r{job.rows_done} rows imported…")
        sys.stderr.flush()


def _readable(path: Path) -> Path:
    try:
        with path.open("rb"):
            return path
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror}") from e
