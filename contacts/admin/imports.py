"""The import page: upload, check the columns and first rows, import in the background."""

import io
from pathlib import Path

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts import tasks
from contacts.admin import import_words
from contacts.choices import Network
from contacts.exporting import csv_writer
from contacts.forms import FIELD_LABELS, UploadForm, basis_label
from contacts.importing import background, uploads
from contacts.importing.formats.columns import column_keys
from contacts.models import ImportJob
from crm.admin import ModelAdmin

Status = ImportJob.Status
PROGRESS_FIELDS = ("status", "rows_total", "rows_done", "created", "updated", "unchanged",
                   "skipped", "errors", "interruptions")  # fmt: skip


@admin.register(ImportJob)
class ImportJobAdmin(ModelAdmin):
    list_display = ("started_at", "file_names", "formats", "status", "created", "updated",
                    "unchanged", "skipped", "errors", "by")  # fmt: skip
    list_filter = ("status",)
    list_select_related = ("by",)

    @admin.display(description=_("format"), ordering="format")
    def formats(self, job: ImportJob) -> str:
        return import_words.format_names(job.format)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_queryset(self, request, queryset):
        """Delete the imports, and the files of those never confirmed (personal data that
        no worker will read, and so discard, now)."""
        for job in queryset.filter(status=ImportJob.Status.DRAFT):
            uploads.discard_all(job.files)
        super().delete_queryset(request, queryset)

    def delete_model(self, request, obj):
        if obj.status == ImportJob.Status.DRAFT:
            uploads.discard_all(obj.files)
        super().delete_model(request, obj)

    def _may_import(self, request) -> None:
        if not self._can_import(request):
            raise PermissionDenied

    def _can_import(self, request) -> bool:
        return request.user.has_perms(["contacts.add_contact", "contacts.change_contact"])

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": self._can_import(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="contacts_importjob_upload"),
            path("<int:pk>/preview/", view(self.preview_view), name="contacts_importjob_preview"),
            path(
                "<int:pk>/progress/", view(self.progress_view), name="contacts_importjob_progress"
            ),
            path("<int:pk>/errors.csv", view(self.errors_view), name="contacts_importjob_errors"),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "title": title, **extra}  # fmt: skip

    def upload_view(self, request):
        """Store the upload and queue its reading: the preview page waits for it."""
        self._may_import(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = self._draft(request, form)
            return redirect("admin:contacts_importjob_preview", job.pk)
        context = self._context(request, _("Import contacts"), form=form)
        return TemplateResponse(request, "admin/contacts/importjob/upload.html", context)

    def _draft(self, request, form) -> ImportJob:
        upload = form.cleaned_data["file"]
        stored = uploads.store(upload)
        try:
            job = background.draft(
                upload.name,
                stored,
                background.digest_of(stored),
                forced_format=form.cleaned_data["format"],
                basis=form.cleaned_data["basis"],
                tags=form.cleaned_data["tags"],
                update_existing=form.cleaned_data["on_duplicate"] == "update",
                by=request.user,
            )
        except BaseException:  # whatever failed, the upload (personal data) does not stay
            uploads.discard(stored)
            raise
        transaction.on_commit(lambda: background.queue(job))
        return job

    def preview_view(self, request, pk):
        """Show the upload's first rows once read; until then a page that refreshes itself;
        a file that could not be read goes back to the upload page, saying why."""
        self._may_import(request)
        job = get_object_or_404(ImportJob, pk=pk, status__in=[Status.DRAFT, Status.FAILED])
        if background.overdue(job):
            background.fail(job.pk, _("Reading your file did not finish: please try again."))
            job.refresh_from_db()
        if background.is_refused(job):
            self.message_user(request, job.failure, messages.ERROR)
            return redirect("admin:contacts_importjob_upload")
        if job.status != Status.DRAFT:
            raise Http404
        if background.is_reading(job):
            context = self._context(request, _("Reading your file…"), job=job)
            return TemplateResponse(request, "admin/contacts/importjob/reading.html", context)
        return self._preview(request, job)

    def _preview(self, request, job: ImportJob):
        shown = job.report["preview"]
        if request.method == "POST":
            job.mapping = self._posted_mapping(request, shown)
            if "confirm" not in request.POST:  # the mapping changed: read the rows again
                # The reading's deadline (background.overdue) runs from now, not the upload.
                job.report, job.started_at = {}, timezone.now()
                job.save(update_fields=["mapping", "report", "started_at"])
                transaction.on_commit(lambda: background.queue(job))
                return redirect("admin:contacts_importjob_preview", job.pk)
            job.status, job.report = Status.PENDING, {}
            job.save(update_fields=["mapping", "status", "report"])
            transaction.on_commit(lambda: tasks.import_contacts.delay(job.pk))
            return redirect("admin:contacts_importjob_change", job.pk)
        files = [self._shown(part) for part in shown]
        context = self._context(
            request, _("Check before importing"), job=job, files=files,
            basis=basis_label(job.basis), fields=FIELD_LABELS.items(),
        )  # fmt: skip
        return TemplateResponse(request, "admin/contacts/importjob/preview.html", context)

    def _shown(self, part: dict) -> dict:
        """Return a previewed file (background._shown) with its format's name, its columns
        and whether to show profiles."""
        keys, networks = column_keys(part["columns"]), dict(Network.choices)
        rows = [
            {**line, "profiles": [(networks[n], v) for n, v in line["row"]["handles"].items()]}
            for line in part["rows"]
        ]
        return {
            "part": part,
            "rows": rows,
            "columns": [
                (i, column, part["mapping"].get(key, ""))
                for i, (column, key) in enumerate(zip(part["columns"], keys, strict=True))
            ],
            "format": import_words.format_names(part["format"]),
            "with_profiles": any(line["profiles"] for line in rows),
        }

    def _posted_mapping(self, request, shown: list[dict]) -> dict:
        mapping = {}
        for index, part in enumerate(shown):
            if part["columns"] and part["mapping"]:
                chosen = {}
                for i, key in enumerate(column_keys(part["columns"])):
                    field = request.POST.get(f"map-{index}-{i}", "")
                    if field in FIELD_LABELS:
                        chosen[key] = field
                mapping[part["name"]] = chosen
        return mapping

    def progress_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob.objects.only(*PROGRESS_FIELDS), pk=pk)
        return JsonResponse({name: getattr(job, name) for name in PROGRESS_FIELDS})

    def errors_view(self, request, pk):
        self._may_import(request)  # a download: for who imports, not for who only reads
        job = get_object_or_404(ImportJob, pk=pk)
        out = io.StringIO()
        writer = csv_writer(out)
        writer.writerow([_("file"), _("line"), _("imported"), _("reason")])
        for kind, imported in (("errors", _("no")), ("problems", _("yes"))):
            for item in job.report.get(kind, []):
                writer.writerow([item["file"], item["line"], imported, item["reason"]])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = get_object_or_404(ImportJob.objects.select_related("by"), pk=object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        contact_url = reverse("admin:contacts_contact_change", args=[0]).replace("/0/", "/{}/")
        context = self._context(
            request, str(job), job=job, contact_url=contact_url,
            file_names=[Path(p).name for _n, p in job.files],
            parts=import_words.parts_in_words(job), basis=basis_label(job.basis),
            kept_values=import_words.kept_values(job),
            duplicates=import_words.probable_duplicates(job),
            uploaded=any(uploads.is_stored(path) for _n, path in job.files),
        )  # fmt: skip
        return TemplateResponse(request, "admin/contacts/importjob/report.html", context)
