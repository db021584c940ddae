from celery import shared_task

from crm import heartbeat


@shared_task
def record_heartbeat() -> None:
    """Record that beat and a worker are both alive."""
    heartbeat.record()
