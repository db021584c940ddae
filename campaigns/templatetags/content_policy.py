"""What the pages need under the Content-Security-Policy (crm/settings.py)."""

from django import template
from js_asset import Media

from campaigns.admin.views import message_frame_url

register = template.Library()


@register.simple_tag(takes_context=True)
def message_frame(context, html: str) -> str:
    """Return the address of a sandboxed frame showing the email `html` to this user."""
    return message_frame_url(context["request"].user, html)


@register.filter
def with_nonce(media, request):
    """Render a form's media with the request's nonce: the editor's inline import map."""
    return Media.from_media(media, nonce=request.csp_nonce)
