from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def webhook_secret_set(app_configs, **kwargs):
    """An ESP's tracking webhooks must be authenticated: say so when they cannot be."""
    if getattr(settings, "ANYMAIL_ESP", "") and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return [
            checks.Error(
                "ANYMAIL_ESP is set but ANYMAIL_WEBHOOK_SECRET is not: the ESP's tracking "
                "webhooks (bounces, complaints) are refused until it is.",
                hint="Set ANYMAIL_WEBHOOK_SECRET to 'user:password' and give the ESP "
                "https://user:password@your-host/webhooks/<esp>/tracking/.",
                id="campaigns.E001",
            )
        ]
    return []
