"""Merge fields in a sandbox: `{{ first_name }}` and its kin, a few filters, nothing else.

Campaign templates run with a template engine of their own that knows no tags at all and
only the filters of `campaigns.template_filters`, against a context of plain strings, so a
template can reach neither settings nor the database. Anything else is refused when the
campaign is saved, with a message naming the offending part.
"""

import re
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import Node, TextNode, Variable, VariableNode
from django.utils.translation import gettext as _

# `confirm_url` is filled in invitations and re-permission campaigns only (compose.CONFIRMING).
MERGE_FIELDS = ("first_name", "last_name", "email", "company", "unsubscribe_url", "confirm_url")
ALLOWED_FILTERS = ("default", "upper", "lower", "title", "capfirst")


class _SandboxEngine(Engine):
    default_builtins = ["campaigns.template_filters"]


_engine = _SandboxEngine(libraries={}, string_if_invalid="")


def compile_template(source: str) -> Template:
    """Return the compiled template, or raise ValidationError naming what is not allowed."""
    try:
        template = _engine.from_string(source)
    except TemplateSyntaxError as e:
        raise ValidationError(_refusal(e)) from e
    for node in template.nodelist:
        _check(node)
    return template


def uses(template: Template, name: str) -> bool:
    """Whether the template shows the merge field `name` (comments do not count)."""
    return any(
        isinstance(node, VariableNode)
        and isinstance(node.filter_expression.var, Variable)
        and node.filter_expression.var.lookups == (name,)
        for node in template.nodelist
    )


def render(template: Template, fields: dict[str, str], html: bool) -> str:
    return template.render(Context(fields, autoescape=html))


def _refusal(error: TemplateSyntaxError) -> str:
    token = getattr(error, "token", None)
    if token is None:
        return _("This template cannot be read: %(error)s") % {"error": error}
    part = {0: "%s", 1: "{{ %s }}", 2: "{%% %s %%}", 3: "{# %s #}"}[token.token_type.value] % (
        token.contents
    )
    return _allowed_hint(_("“%(part)s” is not allowed in a campaign.") % {"part": part})


def _allowed_hint(message: str) -> str:
    fields = ", ".join(_braces(name) for name in MERGE_FIELDS)
    filters = ", ".join(ALLOWED_FILTERS)
    return (
        message
        + " "
        + _("Use only %(fields)s, with the filters %(filters)s.")
        % {
            "fields": fields,
            "filters": filters,
        }
    )


def _braces(contents: str) -> str:
    return "{{ " + contents + " }}"


def _check(node: Node) -> None:
    if isinstance(node, TextNode):
        _check_text(node.s)
        return
    if not isinstance(node, VariableNode):
        return  # the engine knows no tags: every other node is plain text
    expression = node.filter_expression
    variables = [expression.var] + [
        arg for _func, args in expression.filters for is_lookup, arg in args if is_lookup
    ]
    for variable in variables:
        if isinstance(variable, Variable) and variable.lookups is not None:
            _check_lookup(variable, node.token.contents)


def _check_text(text: str) -> None:
    """Refuse a merge field or tag left open: "{{ first_name" without its "}}"."""
    for opening in ("{{", "{%"):
        at = text.find(opening)
        if at >= 0:
            part = " ".join(text[at : at + 30].split())
            message = _("“%(part)s…” is not closed.") % {"part": part}
            raise ValidationError(_allowed_hint(message))


def _check_lookup(variable: Variable, contents: str) -> None:
    part = _braces(contents)
    if len(variable.lookups) > 1:
        message = _("“%(part)s” reads an attribute, which campaigns may not do.")
    elif variable.lookups[0] not in MERGE_FIELDS:
        message = _("“%(part)s” is not a merge field.")
    else:
        return
    raise ValidationError(_allowed_hint(message % {"part": part}))


class _TextFromHtml(HTMLParser):
    """Turn an HTML body into readable plain text: paragraphs, line breaks, link targets."""

    BLOCKS = {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "ul",
        "ol",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
    }
    HIDDEN = {"head", "style", "script", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "mailto:")) and href != label:
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.parts).split("\n")]
        text = "\n".join(lines)
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
        return text.strip() + "\n"


def html_to_text(html: str) -> str:
    """Return a plain-text version of an HTML body (merge fields pass through unchanged)."""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return parser.text()
