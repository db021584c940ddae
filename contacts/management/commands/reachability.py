import json
import sys

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts import reachability


class Command(BaseCommand):
    help = (
        "How many contacts the business can reach without any social network: in total and "
        "per source."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object."
        )

    def handle(self, *args, as_json: bool, **options):
        counts = reachability.counts()
        text = json.dumps(counts, ensure_ascii=False, indent=2) if as_json else _report(counts)
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except BrokenPipeError:  # `| head` has read what it wanted
            sys.stdout = None


def _report(counts: dict) -> str:
    """Return a sentence, then the counts of every contact and of each source's."""
    total, mailable, social = counts["total"], counts["mailable"], counts["social_only"]
    reach = ngettext(
        "Without any social network, you may email %(mailable)s contact of %(total)s now "
        "(%(share)s).",
        "Without any social network, you may email %(mailable)s contacts of %(total)s now "
        "(%(share)s).",
        mailable,
    ) % {"mailable": _number(mailable), "total": _number(total), "share": _share(mailable, total)}
    at_risk = ngettext(
        "%(social)s contact has nothing but a social network or a name.",
        "%(social)s contacts have nothing but a social network or a name.",
        social,
    ) % {"social": _number(social)}
    groups = [(_("All contacts"), counts)] + [
        (reachability.source_label(source), row) for source, row in counts["by_source"].items()
    ]
    width = max(len(str(label)) for label in reachability.KINDS.values())
    lines = [f"{reach} {at_risk}"]
    for name, row in groups:
        lines += ["", _("%(name)s: %(count)s") % {"name": name, "count": _number(row["total"])}]
        lines += [
            f"  {label:<{width}}  {_number(row[kind]):>9}  {_share(row[kind], row['total']):>5}"
            for kind, label in reachability.KINDS.items()
        ]
    return "\n".join(lines)


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)  # 27 631 in French


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    percent = 100 * part / whole
    if 0 < percent < 1:
        return "< 1 %"
    return "> 99 %" if 99 < percent < 100 else f"{percent:.0f} %"  # never 0 or 100 falsely
