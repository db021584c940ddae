"""Celery tasks: thin wrappers taking primary keys (see audience.signups)."""

from celery import shared_task
from django.utils import timezone

from audience import signups


@shared_task(bind=True, max_retries=None)
def send_confirmation(self, signup_id: int) -> None:
    """Send a sign-up's confirmation email; come back later when the server asks to.

    Delivered twice, this task sends once: signups.send_confirmation claims the row.
    """
    retry_at = signups.send_confirmation(signup_id)
    if retry_at is not None:
        # The retries are bounded by the row's tries (CAMPAIGN_MAX_ATTEMPTS), not Celery's.
        countdown = max(1.0, (retry_at - timezone.now()).total_seconds())
        raise self.retry(countdown=countdown)


@shared_task
def forget_unconfirmed() -> None:
    """Delete the sign-ups never confirmed (daily, from the beat)."""
    signups.forget_unconfirmed()


@shared_task
def resend_confirmations() -> None:
    """Send the confirmation emails whose task was lost or never queued (from the beat)."""
    signups.resend_confirmations()
