"""Settings for bench/send.py's django-post_office run: Carnet's, plus post_office.

post_office queues in its own tables and hands over through Django's SMTP backend, so it
sends to the same EMAIL_HOST and EMAIL_PORT as Carnet. BATCH_SIZE and THREADS_PER_PROCESS
come from bench/send.py (--peer-batch, --peer-threads); the rest are post_office's
defaults (LOG_LEVEL 2: one Log row per message sent, its delivery ledger).
"""

import os

from crm.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "post_office"]  # noqa: F405
POST_OFFICE = {
    "BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"},
    "BATCH_SIZE": int(os.environ.get("BENCH_PEER_BATCH_SIZE", "1000")),
    "THREADS_PER_PROCESS": int(os.environ.get("BENCH_PEER_THREADS", "5")),
}
