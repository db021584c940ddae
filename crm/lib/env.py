"""Read configuration from the environment, failing loudly on values that cannot be used."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return the variable's value with surrounding blanks removed, or the default."""
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    """Return the variable as a boolean; accept 1/0, true/false, yes/no, on/off."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    """Return the variable as a non-negative integer."""
    value = env_str(name)
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")
    return int(value)


def env_float(name: str, default: float) -> float:
    """Return the variable as a non-negative decimal number (a dot, not a comma)."""
    value = env_str(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0:
        raise ImproperlyConfigured(f"{name} must be a number such as 0.5, not {value!r}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list of non-empty items."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, fallback_file: Path) -> str:
    """Return the secret from the environment, else from a file created on first use.

    A generated key is kept on disk so that sessions and the signed links already sent
    in emails (unsubscribe, confirmation) keep working across restarts.
    """
    value = env_str(name)
    if value:
        return value
    if fallback_file.exists():
        return fallback_file.read_text().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    candidate = fallback_file.with_name(f".{fallback_file.name}.{os.getpid()}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    # Web, worker and beat may start together: a hard link is atomic and refuses to
    # replace, so whichever process links first wins and every process reads its key.
    try:
        os.link(candidate, fallback_file)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return fallback_file.read_text().strip()
