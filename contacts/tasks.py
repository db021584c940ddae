from celery import shared_task

from contacts import retention
from contacts.importing import jobs, uploads
from contacts.models import ImportJob


@shared_task
def import_contacts(job_id: int) -> None:
    """Run a confirmed import from the admin."""
    # Claim the job: a task delivered twice finds it running or done and does nothing.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if claimed == 1:
        job = ImportJob.objects.get(pk=job_id)
        try:
            jobs.execute(job)
        finally:
            # The uploaded file holds personal data: it goes once imported (or failed).
            uploads.discard_all(job.files)


@shared_task
def apply_retention() -> None:
    """Flag the quiet prospects, delete those who did not answer (contacts.retention)."""
    retention.run()
