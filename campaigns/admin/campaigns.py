"""Campaigns in the admin: compose, audience, then preview, test, schedule, follow, report."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns import services
from campaigns.admin import views
from campaigns.admin.forms import AUDIENCE, CampaignForm
from campaigns.choices import CampaignKind, CampaignStatus
from campaigns.models import Campaign
from crm import roles
from crm.admin import ModelAdmin

EDITABLE = {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}
# What makes messages leave: these need the right to send, not only to edit (crm.roles).
SENDING_ACTIONS = {"schedule", "send_now", "resume", "resend_unknown"}
# A campaign set to leave, leaving or paused is in the hands of who may send: any move of it
# (pause, resume, cancel, resend) needs the right to send (README, "Roles").
SET_TO_LEAVE = {CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED}


def may_send(request) -> bool:
    return request.user.has_perm(roles.SEND_CAMPAIGN)


def may_move(request, campaign: Campaign, action: str) -> bool:
    """Tell whether the user may make `action` (a status move) on the campaign."""
    if action in SENDING_ACTIONS or (action in views.MOVES and campaign.status in SET_TO_LEAVE):
        return may_send(request)
    return True


def _frozen(request, campaign: Campaign) -> bool:
    """Tell whether nothing on the campaign may change any more, for this user."""
    if campaign.status not in EDITABLE:
        return True
    # Scheduled by someone who may send: its words and audience are now theirs.
    return campaign.status == CampaignStatus.SCHEDULED and not may_send(request)


class _NewsPageFilter(admin.BooleanFieldListFilter):
    """The news page's checkbox as a filter: "Par publication sur la page de nouvelles"
    (its field's label made "Par affichée sur la page de nouvelles")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("publication on the news page")


@admin.register(Campaign)
class CampaignAdmin(ModelAdmin):
    form = CampaignForm
    list_display = ("name", "kind", "status", "scheduled_at", "progress", "created_at")
    list_filter = ("status", "kind", ("public", _NewsPageFilter))
    search_fields = ("name", "subject")
    autocomplete_fields = AUDIENCE

    class Media:
        js = ("campaigns/admin/campaign-form.js",)
        css = {"all": ("campaigns/admin/campaign.css", "news/admin.css")}

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or obj.status in EDITABLE
        body = ("body_format", "html_body", "html_source") if editable else ("html_body",)
        return (
            (_("1. Write"), {"fields": ("name", "subject", "preheader", *body),
                             "classes": ["campaign-step"]}),
            (_("Sender and text version"), {
                "fields": ("from_name", "from_email", "reply_to", "text_body"),
                "classes": ["collapse"]}),
            (_("2. Recipients"), self._recipients(obj)),
            (_("Tracking"), {"fields": ("track_clicks", "track_opens"),
                             "classes": ["collapse"]}),
            (_("Your news page"), {"fields": ("public",)}),
        )  # fmt: skip

    def _recipients(self, campaign: Campaign | None) -> dict:
        """The recipients' step: tags and segments with a live count for a campaign; the
        fixed audience, counted, for an invitation, a re-permission email or a notice."""
        if campaign is None or campaign.kind == CampaignKind.REGULAR:
            return {"fields": AUDIENCE, "classes": ["campaign-step"], "description": format_html(
                '<p>{}</p><p id="audience-live" class="audience-live" data-url="{}" '
                'aria-live="polite"></p>',
                _("Without tags or segments, the campaign goes to every contact who may be "
                  "emailed. Only contacts who may be emailed are ever written to."),
                reverse("admin:campaigns_campaign_audience_count"))}  # fmt: skip
        n = services.audience(campaign).count()
        who = {
            CampaignKind.INVITATION: ngettext(
                "%(n)s contact without consent, never invited before, will receive it.",
                "%(n)s contacts without consent, never invited before, will receive it.", n),
            CampaignKind.REPERMISSION: ngettext(
                "%(n)s contact asked to confirm (no sign of life for years) will receive it.",
                "%(n)s contacts asked to confirm (no sign of life for years) will receive it.",
                n),
            CampaignKind.OUTAGE: ngettext(
                "%(n)s contact who may be emailed will receive it.",
                "%(n)s contacts who may be emailed will receive it.", n),
        }[campaign.kind] % {"n": n}  # fmt: skip
        description = format_html('<p id="audience-fixed" class="audience-live">{}</p>', who)
        return {"fields": (), "classes": ["campaign-step"], "description": description}

    @admin.display(description=_("progress"))
    def progress(self, campaign):
        if campaign.status in EDITABLE:
            return "—"
        counts = services.counters(campaign)
        done = counts["total"] - counts["pending"]
        return format_html("{} / {}", done, counts["total"])

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and _frozen(request, obj):
            return [field.name for field in Campaign._meta.get_fields() if field.concrete]
        return []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.save()
            return
        # Only what the form changed: the tick may have started the campaign meanwhile,
        # and a whole-row save would put its status and start date back.
        concrete = {f.name for f in Campaign._meta.concrete_fields}
        obj.save(update_fields=[name for name in form.changed_data if name in concrete])

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "campaigns_campaign_"
        return [
            path("<int:pk>/preview/", view(self.preview_view), name=name + "preview"),
            path("audience-count/", view(self.audience_count_view), name=name + "audience_count"),
            path("<int:pk>/test/", view(self.test_view), name=name + "test"),
            path("<int:pk>/act/<str:action>/", view(self.act_view), name=name + "act"),
            path("<int:pk>/progress/", view(self.progress_view), name=name + "progress"),
            path("<int:pk>/report/", view(self.report_view), name=name + "report"),
            *super().get_urls(),
        ]

    def _campaign(self, request, pk, change=False) -> Campaign:
        campaign = get_object_or_404(Campaign, pk=pk)
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, campaign):
            raise PermissionDenied
        return campaign

    def _context(self, request, campaign, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "original": campaign, "title": title, **extra}  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = Campaign.objects.filter(pk=object_id).first()
        extra = views.status_context(campaign) if campaign else {}
        extra["may_send"] = may_send(request)
        # Pausing or cancelling what is set to leave: who may send only (act_view).
        extra["may_move"] = bool(campaign) and may_move(request, campaign, "cancel")
        if campaign and _frozen(request, campaign):
            # Nothing on it can change any more: no button may pretend otherwise.
            extra.update(show_save=False, show_save_and_continue=False,
                         show_save_and_add_another=False)  # fmt: skip
        return super().change_view(
            request, object_id, form_url, {**extra, **(extra_context or {})}
        )

    def preview_view(self, request, pk):
        campaign = self._campaign(request, pk)
        may_test = self.has_change_permission(request, campaign)
        context = self._context(request, campaign, _("Preview"), may_test=may_test)
        return views.preview(request, campaign, context)

    def test_view(self, request, pk):
        campaign = self._campaign(request, pk, change=True)
        views.send_test(request, campaign)
        return redirect("admin:campaigns_campaign_preview", campaign.pk)

    def act_view(self, request, pk, action):
        campaign = self._campaign(request, pk, change=True)
        if not may_move(request, campaign, action):
            raise PermissionDenied
        if request.method == "POST":
            views.act(request, campaign, action)
        return redirect("admin:campaigns_campaign_change", campaign.pk)

    def audience_count_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return views.audience_count(request)

    def progress_view(self, request, pk):
        return views.progress(self._campaign(request, pk))

    def report_view(self, request, pk):
        campaign = self._campaign(request, pk)
        context = self._context(request, campaign, _("Report: %(name)s") % {"name": campaign})
        return views.report(request, campaign, context)

    def response_add(self, request, obj, post_url_continue=None):
        # After adding, stay on the campaign: previewing and scheduling happen there.
        messages.success(request, _("The campaign is saved as a draft."))
        return redirect(reverse("admin:campaigns_campaign_change", args=[obj.pk]))
