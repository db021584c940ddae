from celery import shared_task

from contacts import retention
from contacts.importing import background, jobs, lease, uploads  # noqa: F401 (read_upload)
from contacts.models import ImportJob


@shared_task
def import_contacts(job_id: int) -> None:
    """Run a confirmed import from the admin, or the rest of one whose run disappeared."""
    # A task delivered twice finds the job held by a live run, or over, and does nothing.
    job = lease.claim(job_id)
    if job is None:
        return
    try:
        jobs.execute(job)
    finally:
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            # The uploaded file holds personal data: it goes once imported (or failed).
            uploads.discard_all(job.files)


@shared_task
def resume_interrupted_imports() -> None:
    """Resume the imports whose process disappeared (contacts.importing.lease)."""
    for job_id in lease.resume():
        import_contacts.delay(job_id)


@shared_task
def apply_retention() -> None:
    """Flag the quiet prospects, delete those who did not answer (contacts.retention)."""
    retention.run()
