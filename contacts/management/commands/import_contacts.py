import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.choices import ConsentBasis, Source
from contacts.importing import MAX_LISTED, jobs
from contacts.importing.decode import UnreadableFile
from contacts.importing.formats import FORMAT_CHOICES
from contacts.models import Contact

SHOWN = 20  # rows in error, and rows with a problem, printed on stderr


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
            job = jobs.run(
                inputs,
                forced=format,
                basis=basis,
                tags=tag,
                update_existing=on_duplicate == "update",
                dry_run=dry_run,
                progress=self._progress if sys.stderr.isatty() else None,
            )
        except (UnreadableFile, jobs.Busy) as e:
            raise CommandError(str(e)) from e
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        self._show(_("Rows not imported:"), job.report.get("errors", []), job.errors)
        problems = job.report.get("problems", [])
        self._show(
            _("Rows imported with a problem:"), problems, job.report.get("problems_total", 0)
        )
        self._show_pairs(job)
        self._show_formats(job)
        self.stdout.write(
            f"created={job.created} updated={job.updated} unchanged={job.unchanged} "
            f"skipped={job.skipped} errors={job.errors}"
        )

    def _show_formats(self, job) -> None:
        """Print the format recognised in each file, and in each file of an archive."""
        names = dict(Source.choices)
        for part in job.report["parts"]:
            self.stdout.write(
                _("%(file)s: %(format)s (%(code)s)")
                % {"file": part["file"], "format": names[part["format"]], "code": part["format"]}
            )

    def _show_pairs(self, job) -> None:
        """Print on stderr the first probable duplicates and values kept, by name."""
        duplicates = job.report.get("duplicates", [])[:SHOWN]
        conflicts = job.report.get("conflicts", [])[:SHOWN]
        ids = {d[k] for d in duplicates for k in ("contact", "other")}
        names = {c.pk: f"{c} (n° {c.pk})" for c in Contact.objects.filter(pk__in=ids | {
            c["contact"] for c in conflicts})}  # fmt: skip
        if duplicates:
            self.stderr.write(_("Probable duplicates, not merged (to review in the admin):"))
        for pair in duplicates:
            self.stderr.write(f"{names.get(pair['contact'], pair['name'])} ≈ "
                              f"{names.get(pair['other'], pair['other'])}")  # fmt: skip
        if conflicts:
            self.stderr.write(_("Values kept where the file said otherwise:"))
        for item in conflicts:
            self.stderr.write(_conflict(item, names))

    def _show(self, title: str, items: list[dict], total: int) -> None:
        """Print the first of the report's rows on stderr, and how many more there are."""
        if items:
            self.stderr.write(title)
        for item in items[:SHOWN]:
            self.stderr.write(f"{item['file']}:{item['line']}: {item['reason']}")
        if (more := total - SHOWN) > 0:
            self.stderr.write(
                ngettext(
                    "… and %(n)s more (the import's report in the admin lists up to %(max)s).",
                    "… and %(n)s more (the import's report in the admin lists up to %(max)s).",
                    more,
                )
                % {"n": more, "max": MAX_LISTED}
            )

    def _progress(self, job) -> None:
        sys.stderr.write("\r" + _("%(rows)s rows imported…") % {"rows": job.rows_done})
        sys.stderr.flush()


def _readable(path: Path) -> Path:
    try:
        with path.open("rb"):
            return path
    except OSError as e:
        message = _("cannot read %(path)s: %(reason)s") % {"path": path, "reason": e.strerror}
        raise CommandError(message) from e


def _conflict(item: dict, names: dict) -> str:
    """Return one value kept where the file said otherwise, in words."""
    field = Contact._meta.get_field(item["field"]).verbose_name
    return _("line %(line)s: %(name)s, %(field)s: “%(kept)s” kept, the file said “%(said)s”") % {
        "line": item["line"], "name": names.get(item["contact"], item["contact"]),
        "field": field, "kept": item["existing"], "said": item["incoming"],
    }  # fmt: skip
