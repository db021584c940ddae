"""The notice's texts in Réglages, and the two clicks that send it: button, then confirm."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.choices import CampaignKind
from campaigns.models import Campaign
from crm import roles
from crm.admin import ModelAdmin
from news import outage
from news.models import NoticeTemplate


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(ModelAdmin):
    list_display = ("__str__", "updated_at")  # "Objet" reads as Django's stock French here
    fields = ("subject", "html_body")

    def changelist_view(self, request, extra_context=None):
        for code, _name in settings.LANGUAGES:  # one text per language, there from the start
            NoticeTemplate.load(code)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            # Named without the model's prefix: the dashboard's "Prévenir mes clients" button.
            path("prevenir/", view(self.confirm_view), name="outage_notice"),
            path("resolu/<int:pk>/", view(self.resolve_view), name="outage_resolve"),
            *super().get_urls(),
        ]

    def confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Show the notice to confirm (GET), send it at once (POST)."""
        if not request.user.has_perms(["campaigns.add_campaign", roles.SEND_CAMPAIGN]):
            raise PermissionDenied
        language = _language(request)
        if request.method == "POST":
            return self._send(request, language)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Warn my clients"),
            "opts": Campaign._meta,
            **_confirmation(language),
        }
        return TemplateResponse(request, "admin/campaigns/campaign/outage_confirm.html", context)

    def _send(self, request: HttpRequest, language: str) -> HttpResponse:
        try:
            campaign = outage.send(language, user=request.user)
        except (outage.Refused, ValidationError) as e:
            messages.error(request, " ".join(getattr(e, "messages", [str(e)])))
            return redirect(f"{reverse('admin:outage_notice')}?language={language}")
        messages.success(request, _("The notice is on its way to your clients."))
        return redirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    @staticmethod
    @require_POST
    def resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
        """Close a notice: it leaves the top of the news page."""
        if not request.user.has_perm("campaigns.change_campaign"):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign, pk=pk, kind=CampaignKind.OUTAGE)
        if outage.resolve(campaign):
            messages.success(request, _("The notice is marked resolved."))
        return redirect(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))


def _language(request: HttpRequest) -> str:
    wanted = request.POST.get("language") or request.GET.get("language", "")
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _confirmation(language: str) -> dict:
    """Return what the confirmation page shows: who, what, and whether it can go."""
    busy = outage.in_progress()
    context = {
        "language": language,
        "languages": settings.LANGUAGES,
        "audience_count": outage.audience_count(),
        "busy": busy,
        "template": NoticeTemplate.load(language),
    }
    try:
        campaign = outage.compose(language)
    except ValidationError as e:
        return {**context, "problem": " ".join(e.messages)}
    return {**context, "campaign": campaign, "message": outage.preview(campaign)}
