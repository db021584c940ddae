"""A sending rate shared by every worker (SEND_RATE_PER_SECOND, SEND_RATE_PER_HOUR).

Counters live in the cache, which is Redis when REDIS_URL is set: its INCR is atomic, so
workers on several machines draw from one quota. Fixed windows: simple, and an ESP's
quota is counted the same way.
"""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout)
        return 1


class RateLimiter:
    def __init__(self):
        self.per_second = settings.SEND_RATE_PER_SECOND
        self.per_hour = settings.SEND_RATE_PER_HOUR

    def acquire(self) -> datetime | None:
        """Wait for a slot to send one message; return when to come back if the hour is spent."""
        if self.per_hour:
            hour = int(time.time() // 3600)
            if _count(f"campaigns:rate:h:{hour}", 3700) > self.per_hour:
                return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(
                    hours=1
                )
        while self.per_second:
            now = time.time()
            if _count(f"campaigns:rate:s:{int(now)}", 10) <= self.per_second:
                break
            time.sleep(1 - now % 1)
        return None
