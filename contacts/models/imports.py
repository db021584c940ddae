from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.choices import ConsentBasis, Source
from contacts.models.contacts import Contact


class ExternalKey(models.Model):
    """How a source names a contact that has no email, phone or handle (a Facebook friend).

    Matching on it makes a second import of the same export find the same people.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="external_keys")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    key = models.CharField(_("key"), max_length=300)

    class Meta:
        verbose_name = _("external key")
        verbose_name_plural = _("external keys")
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="external_key_unique")
        ]

    def __str__(self):
        return f"{self.source}:{self.key}"


class ImportJob(models.Model):
    """One import of one or more files, with what it did and what it could not do."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("To confirm")  # uploaded on the import page, not yet confirmed
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        # Stopped midway (its process disappeared); run from the command line, it is
        # resumed by running the same command again (contacts.importing.lease).
        INTERRUPTED = "interrupted", _("Interrupted")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_names = models.CharField(_("files"), max_length=1000)
    # [[name shown, path on disk], …]: what the worker reads.
    files = models.JSONField(_("stored files"), default=list, blank=True)
    forced_format = models.CharField(_("forced format"), max_length=20, default="auto")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # {file name: {column: contact field}} chosen on the import page.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64 * 8, blank=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    basis = models.CharField(
        _("consent basis"), max_length=20, choices=ConsentBasis.choices, blank=True
    )
    update_existing = models.BooleanField(_("update existing contacts"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # Named as the report names them ("created" alone is the date of a record elsewhere).
    created = models.PositiveIntegerField(_("contacts created"), default=0)
    updated = models.PositiveIntegerField(_("contacts completed"), default=0)
    unchanged = models.PositiveIntegerField(_("contacts unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    errors = models.PositiveIntegerField(_("rows in error"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    # Who runs the job and until when (contacts.importing.lease): a live run renews its
    # lease; a job whose lease ran out is resumed after its last chunk written.
    runner = models.CharField(_("held by"), max_length=64, blank=True)
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    chunks_done = models.PositiveIntegerField(_("chunks written"), default=0)
    interruptions = models.PositiveSmallIntegerField(_("interruptions"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self):
        return self.file_names
