from celery import shared_task

from crm.dashboard import figures


@shared_task
def refresh_figures() -> None:
    """Count the dashboard's figures, so that no page has to wait for them."""
    figures.refresh()
