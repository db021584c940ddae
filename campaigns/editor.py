"""The campaign editor: which blocks the owner may use, and what the sanitizer keeps of them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_prose_editor.config import add_allowed_classes, add_tags_and_attributes

MERGE_FIELD_LABELS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "company": gettext_lazy("Company"),
    "unsubscribe_url": gettext_lazy("Unsubscribe link"),
}

MENU = [
    {"group": "blockType -lists", "type": "dropdown", "minItems": 2},
    {"group": "lists"},
    {"group": "marks"},
    {"group": "link"},
    {"group": "emailBlocks"},
    {"group": "mergeFields"},
    {"group": "history"},
]


def extensions() -> dict:
    """Return the editor's extensions, labelled in the current language."""
    return {
        "Heading": {"levels": [1, 2, 3]},
        "Bold": True,
        "Italic": True,
        "Link": {"protocols": ["http", "https", "mailto", "tel"], "enableTarget": False},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "HardBreak": True,
        "Figure": True,
        "Caption": True,
        "Image": True,
        "Menu": {"groups": MENU},
        "EmailBlocks": {
            "fields": [
                {"name": name, "label": label,
                 "title": _("Insert: %(field)s") % {"field": label},
                 "text": _("Unsubscribe")}
                for name, label in MERGE_FIELD_LABELS.items()
            ],
            "button": {
                "label": _("Button"), "title": _("Insert a button (a link shown as a button)"),
                "text": _("Button text"), "href": _("Link address"),
                "submit": _("Insert"), "dialog": _("Add a button"),
            },
        },
    }  # fmt: skip


def allow_email_blocks(config: dict, nh3_config: dict) -> None:
    """Let the sanitizer keep the button: a link with the class "button", and nothing else."""
    add_tags_and_attributes(nh3_config, ["a", "p"], None)
    add_allowed_classes(nh3_config, {"a": ["button"]})
