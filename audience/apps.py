from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    """The owned audience: sign-ups, invitations, the outage notice and the news page."""

    name = "audience"
    verbose_name = _("Your own audience")
