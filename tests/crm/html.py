"""Read admin pages as the owner sees them, with the standard library's HTML parser."""

import json
from html.parser import HTMLParser

HIDDEN = {"script", "style", "template", "svg", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Links(HTMLParser):
    """Collect the links inside the element with id `within` (the whole page if empty)."""

    def __init__(self, within: str):
        super().__init__()
        self.within, self.depth, self.links, self._href = within, 0 if within else 1, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0 and attrs.get("id") == self.within:
            self.depth = 1
        elif self.depth and tag not in VOID:
            self.depth += 1
        if self.depth and tag == "a":
            self._href = attrs
            self.links.append({"text": "", **attrs})

    def handle_endtag(self, tag):
        if self.depth and self.within and tag not in VOID:
            self.depth -= 1
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            self.links[-1]["text"] = (self.links[-1]["text"] + data).strip()


def links(html: str, within: str = "") -> list[dict]:
    """Return the links (their text and attributes) inside the element `within`."""
    parser = _Links(within)
    parser.feed(html)
    return parser.links


def texts(html: str, within: str = "") -> list[str]:
    return [link["text"] for link in links(html, within)]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in HIDDEN
        for name, value in attrs:  # what the owner reads besides the text
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.parts.append(value)
            if name == "value" and dict(attrs).get("type") in ("submit", "button"):
                self.parts.append(value)
            if name == "data-inline-formset":  # inlines.js writes these links
                options = json.loads(value)["options"]
                self.parts += [options.get("addText", ""), options.get("deleteText", "")]

    def handle_endtag(self, tag):
        self.hidden -= tag in HIDDEN

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return the page's text as the owner reads it: words, labels, titles and buttons."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
