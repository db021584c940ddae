"""What the news tests share: the command, run in this process."""

from io import StringIO

from django.core.management import call_command


def run(*args) -> str:
    out = StringIO()
    call_command("outage_notice", *args, stdout=out)
    return out.getvalue().strip()
