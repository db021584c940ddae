import secrets
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm.lib.env import env_str


class Command(BaseCommand):
    help = (
        "Create the first administrator when there is none. The login is ADMIN_EMAIL "
        "(or 'admin'); the password is ADMIN_PASSWORD, or generated and printed once."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is not None:
            login = admin.get_username()
            self.stdout.write(
                _(
                    "An administrator exists (login: %(login)s). A forgotten password is "
                    "replaced with: %(command)s"
                )
                % {"login": login, "command": manage_command("changepassword", login)}
            )
            return
        email = env_str("ADMIN_EMAIL")
        if email:
            try:
                validate_email(email)
            except ValidationError as e:
                raise CommandError(
                    _("ADMIN_EMAIL is not an email address: %(value)r") % {"value": email}
                ) from e
        password = env_str("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        try:
            validate_password(password)
        except ValidationError as e:
            raise CommandError(
                _("ADMIN_PASSWORD is too weak: %(reasons)s") % {"reasons": " ".join(e.messages)}
            ) from e
        login = email or "admin"
        User.objects.create_superuser(username=login, email=email, password=password)
        self.stdout.write(_("Administrator created. Login: %(login)s") % {"login": login})
        if not env_str("ADMIN_PASSWORD"):
            self.stdout.write(
                _("Password (shown once, write it down): %(password)s") % {"password": password}
            )


def manage_command(*args: str) -> str:
    """Return the shell command that runs manage.py with `args`, as typed from here."""
    python, manage = Path(sys.executable), settings.BASE_DIR / "manage.py"
    return shlex.join([_from_here(python), _from_here(manage), *args])


def _from_here(path: Path) -> str:
    """Return `path` relative to the current folder when it is inside it (shorter to type)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())
