"""Know whether the background workers run: beat sends a heartbeat, a worker records it.

Scheduled campaigns and imports depend on both processes; the admin warns when the
last heartbeat is older than STALE_AFTER.
"""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

CACHE_KEY = "workers:heartbeat"
STALE_AFTER = timedelta(minutes=2)


def record() -> None:
    """Remember that a worker has just run a task sent by beat."""
    cache.set(CACHE_KEY, timezone.now().isoformat(), timeout=None)


def last_seen() -> datetime | None:
    """Return when a worker last ran beat's heartbeat, if ever."""
    value = cache.get(CACHE_KEY)
    return datetime.fromisoformat(value) if value else None


def workers_running() -> bool:
    """Tell whether beat and a worker have both been seen recently."""
    seen = last_seen()
    return seen is not None and timezone.now() - seen < STALE_AFTER
