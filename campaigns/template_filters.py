"""The only filters a campaign template may use (see campaigns.templating)."""

from django.template import Library, defaultfilters

register = Library()
for _name in ("default", "upper", "lower", "title", "capfirst"):
    register.filter(_name, getattr(defaultfilters, _name))
