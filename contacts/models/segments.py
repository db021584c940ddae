from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from contacts.choices import ConsentBasis, EmailStatus, Source
from contacts.models.contacts import Company, Contact, ContactSource, Tag


class Segment(models.Model):
    """A saved filter over contacts, usable as a campaign's audience."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    tags_any = models.ManyToManyField(
        Tag, verbose_name=_("has any of these tags"), blank=True, related_name="+"
    )
    tags_all = models.ManyToManyField(
        Tag, verbose_name=_("has all of these tags"), blank=True, related_name="+"
    )
    tags_none = models.ManyToManyField(
        Tag, verbose_name=_("has none of these tags"), blank=True, related_name="+"
    )
    email_statuses = models.JSONField(_("email status is one of"), default=list, blank=True)
    consent_bases = models.JSONField(_("consent basis is one of"), default=list, blank=True)
    sources = models.JSONField(_("came from one of"), default=list, blank=True)
    companies = models.ManyToManyField(
        Company, verbose_name=_("works at one of"), blank=True, related_name="+"
    )
    has_phone = models.BooleanField(_("has a phone"), null=True, blank=True)
    created_after = models.DateField(_("created on or after"), null=True, blank=True)
    created_before = models.DateField(_("created before"), null=True, blank=True)
    last_contacted_after = models.DateField(_("last contacted on or after"), null=True, blank=True)
    last_contacted_before = models.DateField(
        _("last contacted before (or never)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def contacts(self) -> QuerySet[Contact]:
        """Return the contacts that match this segment today."""
        return matching(self, tag_ids=self._tag_ids(), company_ids=self._company_ids())

    def _tag_ids(self) -> dict[str, list[int]]:
        return {
            name: list(getattr(self, name).values_list("pk", flat=True))
            for name in ("tags_any", "tags_all", "tags_none")
        }

    def _company_ids(self) -> list[int]:
        return list(self.companies.values_list("pk", flat=True))


CHOICE_FIELDS = {
    "email_statuses": EmailStatus.choices,
    "consent_bases": ConsentBasis.choices,
    "sources": Source.choices,
}


def matching(criteria, tag_ids: dict[str, list[int]], company_ids: list[int]) -> QuerySet:
    """Return the contacts matching `criteria` (a segment, saved or not), as one query.

    The tag and company choices come as ids so that an unsaved form can be counted too.
    """
    qs = Contact.objects.all()
    Link = Contact.tags.through
    if tag_ids["tags_any"]:
        qs = qs.filter(
            pk__in=Link.objects.filter(tag_id__in=tag_ids["tags_any"]).values("contact")
        )
    for tag_id in tag_ids["tags_all"]:
        qs = qs.filter(pk__in=Link.objects.filter(tag_id=tag_id).values("contact"))
    if tag_ids["tags_none"]:
        qs = qs.exclude(
            pk__in=Link.objects.filter(tag_id__in=tag_ids["tags_none"]).values("contact")
        )
    if criteria.email_statuses:
        qs = qs.filter(email_status__in=criteria.email_statuses)
    if criteria.consent_bases:
        qs = qs.filter(consent_basis__in=criteria.consent_bases)
    if criteria.sources:
        chosen = ContactSource.objects.filter(source__in=criteria.sources)
        qs = qs.filter(pk__in=chosen.values("contact"))
    if company_ids:
        qs = qs.filter(company_id__in=company_ids)
    return qs.filter(_dates_and_phone(criteria))


def _dates_and_phone(criteria) -> Q:
    q = Q()
    if criteria.has_phone is not None:
        q &= ~Q(phone="") if criteria.has_phone else Q(phone="")
    if criteria.created_after:
        q &= Q(created_at__date__gte=criteria.created_after)
    if criteria.created_before:
        q &= Q(created_at__date__lt=criteria.created_before)
    if criteria.last_contacted_after:
        q &= Q(last_contacted_at__date__gte=criteria.last_contacted_after)
    if criteria.last_contacted_before:
        q &= Q(last_contacted_at__date__lt=criteria.last_contacted_before) | Q(
            last_contacted_at__isnull=True
        )
    return q
