from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    """The outage notice and the business's public news page (DESIGN.md, Owned audience)."""

    name = "news"
    verbose_name = _("News")
