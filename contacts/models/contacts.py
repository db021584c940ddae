from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Collate, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.choices import (
    ConsentBasis,
    ConsentMethod,
    EmailStatus,
    Network,
    Source,
)
from contacts.phones import normalise_phone
from crm.lib.collation import NAME_COLLATION

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class Named(models.Model):
    """Something known by a name that is unique ignoring case (a company, a tag)."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["name"]
        constraints = [
            # "Boulangerie Lefèvre" and "BOULANGERIE LEFÈVRE" are one company, one tag.
            models.UniqueConstraint(
                Lower("name"),
                name="%(class)s_name_ci_unique",
                violation_error_message=_("This name is already used."),
            )
        ]

    def __str__(self):
        return self.name


class Company(Named):
    website = models.URLField(_("website"), blank=True)

    class Meta(Named.Meta):
        verbose_name = _("company")
        verbose_name_plural = _("companies")


class Tag(Named):
    name = models.CharField(_("name"), max_length=100)

    class Meta(Named.Meta):
        verbose_name = _("tag")
        verbose_name_plural = _("tags")


@dataclass(frozen=True)
class ConsentChange:
    """How a change of email status came about, for the consent history."""

    how: str = ConsentMethod.SYSTEM
    by: "AbstractBaseUser | None" = None
    ip: str | None = None
    proof_file_name: str = ""
    proof_sha256: str = ""
    proof_form: str = ""
    proof_at: "datetime | None" = None
    detail: str = ""


def mailable_condition(prefix: str = "") -> models.Q:
    """Who a marketing email may be sent to now (DESIGN.md, Consent); `prefix` reaches the
    contact through a relation ("contact__")."""
    return (
        models.Q(**{f"{prefix}email_status": EmailStatus.SUBSCRIBED})
        & ~models.Q(**{f"{prefix}email": ""})
        & ~models.Q(**{f"{prefix}consent_basis": ""})
    )


def by_name(field: str) -> Collate:
    """Return `field` compared as the language orders names."""
    return Collate(models.F(field), NAME_COLLATION)


NAME_ORDER = [by_name("last_name").asc(), by_name("first_name").asc(), models.F("id").asc()]


class ContactQuerySet(models.QuerySet):
    def mailable(self) -> "ContactQuerySet":
        """Return the contacts a marketing email may be sent to now (DESIGN.md, Consent)."""
        return self.filter(mailable_condition())

    def by_email(self, address: str) -> "ContactQuerySet":
        """Return the contacts whose address is `address`, ignoring case, through the
        unique index (iexact would compare UPPER() and scan the table)."""
        return (
            self.exclude(email="")  # the index's condition, so that it serves
            .alias(folded_email=Lower("email"))
            .filter(folded_email=Lower(models.Value(address.strip())))
        )


class Contact(models.Model):
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("Two-letter code, such as FR.")
    )
    language = models.CharField(
        _("preferred language"), max_length=8, blank=True, choices=settings.LANGUAGES
    )
    notes = models.TextField(_("notes"), blank=True)
    # Its table has no index on contact_id alone: migration 0004 drops it (the unique pair
    # (contact_id, tag_id) serves), and an explicit through model would hide the field
    # from the admin.
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")
    email_status = models.CharField(
        _("email status"),
        max_length=20,
        choices=EmailStatus.choices,
        default=EmailStatus.NO_CONSENT,
    )
    consent_basis = models.CharField(
        _("consent basis"), max_length=20, choices=ConsentBasis.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    # Set by the retention job (contacts.retention): a prospect quiet for RETENTION_YEARS,
    # asked to confirm, deleted after RETENTION_GRACE_DAYS without an answer.
    retention_flagged_at = models.DateTimeField(
        _("asked to confirm on"), null=True, blank=True, editable=False
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = NAME_ORDER
        # Beside view/add/change/delete: seeing a contact is not taking the whole list home
        # (crm.roles).
        permissions = [
            ("export_contacts", _("Can export lists of contacts")),
            ("export_personal_data", _("Can export one person's data")),
        ]
        constraints = [
            # Emails are matched ignoring case: Jean@X.fr and jean@x.fr are one person.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="contact_email_ci_unique",
                violation_error_message=_("A contact with this email address already exists."),
            )
        ]
        # Each index costs every import a write per contact: these are the ones a query
        # uses (the list's orderings, the import's phone lookups). Addresses are found
        # ignoring case through the unique index above (see by_email()). None on the
        # consent basis, which a filter keeps most rows of, nor on the last contact date,
        # which segments compare as a date (an index on the column could not serve).
        # The names' order (NAME_ORDER) is indexed on PostgreSQL only (migration 0011):
        # on SQLite its collation is Python, called for every comparison an insert makes,
        # which would slow imports by 40 %; a list sorts 100,000 names in 90 ms there.
        indexes = [
            models.Index(fields=["email"]),
            models.Index(fields=["email_status"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["created_at"]),
        ]

    # The status and basis as last read or written, to refuse a change made around
    # contacts.consent (which records each change with its proof).
    _saved_consent: tuple[str | None, str | None] = (None, None)

    def __str__(self):
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def save(self, *args, **kwargs):
        """Save; refuse a change of consent not made through contacts.consent."""
        from contacts import consent  # it builds on this model

        old_status, old_basis = self._saved_consent
        # A contact loaded without its status (.only()) cannot have had it changed.
        changed = old_status is not None and (old_status, old_basis) != (
            self.email_status,
            self.consent_basis,
        )
        if changed and not self._state.adding:
            raise consent.ConsentError(
                "Change the email status through contacts.consent.change()."
            )
        with transaction.atomic():
            adding = self._state.adding
            super().save(*args, **kwargs)
            if adding:
                consent.record_creation(self)
        self.keep_consent_as_saved()

    def take_back_consent_edit(self) -> tuple[str, str]:
        """Put back the saved status and basis; return those set on this instance."""
        edited = (self.email_status, self.consent_basis)
        if self._saved_consent[0] is not None:
            self.email_status, self.consent_basis = self._saved_consent
        return edited

    def keep_consent_as_saved(self) -> None:
        """Note the status and basis as they now are in the database."""
        self._saved_consent = (self.email_status, self.consent_basis)

    @classmethod
    def from_db(cls, db, field_names, values):
        contact = super().from_db(db, field_names, values)
        contact._saved_consent = (
            contact.__dict__.get("email_status"),
            contact.__dict__.get("consent_basis"),
        )
        return contact

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        if "email_status" in self.__dict__ and "consent_basis" in self.__dict__:
            self.keep_consent_as_saved()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        self.email = self.email.strip()
        if not (self.first_name or self.last_name or self.email or self.phone):
            raise ValidationError(_("Give at least a name, an email address or a phone."))
        try:
            self.phone = normalise_phone(self.phone)
        except ValidationError as e:
            raise ValidationError({"phone": e.messages}) from e
        if self.email_status == EmailStatus.SUBSCRIBED and not self.consent_basis:
            raise ValidationError(
                {"consent_basis": _("Say on what basis this contact may be emailed.")}
            )


class ContactSource(models.Model):
    """One place a contact came from (an import, a form, the admin)."""

    # Found through the unique pair (contact, source), which begins with it.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="sources", db_index=False
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["contact", "source"], name="contact_source_unique")
        ]
        indexes = [models.Index(fields=["source", "contact"])]

    def __str__(self):
        return self.get_source_display()


class Handle(models.Model):
    """A contact's name or profile address on a social network."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="handles")
    network = models.CharField(_("network"), max_length=20, choices=Network.choices)
    value = models.CharField(_("handle or profile address"), max_length=300)

    class Meta:
        verbose_name = _("social handle")
        verbose_name_plural = _("social handles")
        constraints = [
            # A profile identifies one person: two contacts cannot share it. A website
            # names a business, which colleagues share.
            models.UniqueConstraint(
                fields=["network", "value"],
                condition=~models.Q(network=Network.WEBSITE),
                name="handle_unique",
            ),
            models.UniqueConstraint(fields=["contact", "network"], name="handle_one_per_network"),
        ]

    def __str__(self):
        return f"{self.get_network_display()}: {self.value}"


class Note(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="contact_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.body[:60]


class Activity(models.Model):
    """Something that happened to a contact, shown on its timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TAGGED = "tagged", _("Tag added")
        UNTAGGED = "untagged", _("Tag removed")
        MERGED = "merged", _("Merged")
        # The retention job (contacts.retention): quiet for years, then asked to confirm.
        FLAGGED = "flagged", _("Asked to confirm")
        RECONFIRMED = "reconfirmed", _("Confirmed again")
        UNFLAGGED = "unflagged", _("No longer to confirm")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.detail}".strip()


class ConsentEvent(models.Model):
    """One change of a contact's email status or consent basis; never changed afterwards."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    from_status = models.CharField(
        _("from"), max_length=20, choices=EmailStatus.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=20, choices=EmailStatus.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=ConsentBasis.choices, blank=True)
    how = models.CharField(_("means"), max_length=20, choices=ConsentMethod.choices)
    proof_file_name = models.CharField(_("proof: file"), max_length=255, blank=True)
    proof_sha256 = models.CharField(_("proof: file SHA-256"), max_length=64, blank=True)
    proof_form = models.CharField(_("proof: form"), max_length=255, blank=True)
    # When the person consented or withdrew, as the proof says (a Mailchimp opt-in, years
    # before the import); `at` stays when Carnet recorded it, which orders the history.
    proof_at = models.DateTimeField(_("proof: when"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        # Indexed where set (see Meta): records made by no user (command-line imports,
        # forms, unsubscribes, webhooks) need no entry.
        db_index=False,
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["by"], condition=models.Q(by__isnull=False), name="consentevent_by"
            )
        ]

    def __str__(self):
        before = self.get_from_status_display() or "—"
        return f"{before} → {self.get_to_status_display()} ({self.get_how_display()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The consent history is append-only.")
        super().save(*args, **kwargs)

    @classmethod
    def build(cls, contact: Contact, from_status: str, change: ConsentChange) -> "ConsentEvent":
        """Return the unsaved record of `contact` having just left `from_status`."""
        return cls(
            contact=contact,
            from_status=from_status,
            to_status=contact.email_status,
            basis=contact.consent_basis,
            how=change.how,
            proof_file_name=change.proof_file_name,
            proof_sha256=change.proof_sha256,
            proof_form=change.proof_form,
            proof_at=change.proof_at,
            ip=change.ip,
            by=change.by,
            detail=change.detail,
        )

    @classmethod
    def record(cls, contact: Contact, from_status: str, change: ConsentChange) -> "ConsentEvent":
        event = cls.build(contact, from_status, change)
        event.save()
        return event
