"""vCards 2.1, 3.0 and 4.0 from phones and address books, each card and property on its own.

vobject parses each property line (its group, parameters, quoted-printable in the card's
charset); the values are read here, because vobject's own reading of them fails on what
exports write: a comma in ORG, "\\:" in a web address, a comma in a 2.1 note.
"""

import base64
import re
from collections.abc import Iterable, Iterator

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from vobject.base import textLineToContentLine

from contacts.choices import Network, Source
from contacts.importing.row import BadRecord, Row

NAME = "vcard"
COUNTED = "BEGIN:VCARD"  # what to count in the file to estimate its rows
MAX_CARD = 4 << 20  # characters of one card (a photo included): a longer one is left out

# "BEGIN:VCARD", "begin:vCard", and with a group as some programs write it: "home.begin:vcard".
_BEGIN = re.compile(r"^(?:[\w-]+\.)?BEGIN:VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^(?:[\w-]+\.)?END:VCARD\s*$", re.IGNORECASE)
_DETECT = re.compile(r"(?:^|[\r\n])(?:[\w-]+\.)?BEGIN:VCARD[ \t]*(?:[\r\n]|$)", re.IGNORECASE)
# The start of a property, as exports write their names: "item1.EMAIL;type=…:", "FN:". A line
# of a quoted-printable value may start like one in lower case ("Tel: 06…"): it does not.
_PROPERTY = re.compile(r"^(?:[\w-]+\.)?[A-Z][A-Z0-9-]*[;:]")
_LINE_END = re.compile(r"\r\r\n|\r\n|\r|\n")  # "\r\r\n" (iPhone) ends one line, not two
_ESCAPED = re.compile(r"\\([\\,;:nN])")
_BASE64 = {"B", "BASE64"}
# Type parameters that say what a number or an address is for, as a label.
_LABEL_TYPES = ("home", "work", "cell", "mobile", "iphone", "main", "fax", "pager", "other")
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")  # Apple's own labels: "_$!<HomePage>!$_"


def detect_text(text: str) -> bool:
    """Tell whether the start of a text file holds a vCard."""
    return bool(_DETECT.search(text[:5000]))


def read_text(text_lines: Iterable[str]) -> Iterator[Row | BadRecord]:
    """Yield the cards of the file, each read on its own."""
    for number, lines in cards(text_lines):
        if lines is None:
            yield BadRecord(number, _("Card not closed (no END:VCARD line): left out."))
        elif lines is _TOO_LONG:
            message = _("Card longer than %(size)s characters: left out.")
            yield BadRecord(
                number, message % {"size": number_format(MAX_CARD, force_grouping=True)}
            )
        else:
            yield _read(number, lines)


_TOO_LONG: list[str] = []  # what cards() yields for a card over MAX_CARD


def cards(text_lines: Iterable[str]) -> Iterator[tuple[int, list[str] | None]]:
    """Yield (line where the card begins, its lines between BEGIN and END) so that one
    corrupt card cannot stop the others; a card that never ends is yielded as (line, None),
    one longer than MAX_CARD characters as (line, _TOO_LONG), its lines not kept."""
    lines: list[str] | None = None
    number = size = 0
    for index, line in enumerate(_lines(text_lines), start=1):
        if _BEGIN.match(line):
            if lines is not None:
                yield number, None
            lines, number, size = [], index, 0
        elif lines is not None and _END.match(line):
            yield number, lines
            lines = None
        elif lines is not None and lines is not _TOO_LONG and line.strip():
            size += len(line)
            lines.append(line)
            if size > MAX_CARD:
                lines = _TOO_LONG
    if lines is not None:
        yield number, None


def _lines(text_lines: Iterable[str]) -> Iterator[str]:
    """Yield lines whatever their endings (CR, LF, CRLF, and iPhone's "\\r\\r\\n"); only CR
    and LF end a line (a U+2028 in a note does not)."""
    after_cr = False
    for chunk in text_lines:
        # A stream cuts "\r\r\n" into "…\r" and "\r\n": the second is no line of its own.
        if after_cr and chunk == "\r\n":
            after_cr = False
            continue
        after_cr = chunk.endswith("\r")
        lines = _LINE_END.split(chunk)
        if len(lines) > 1 and not lines[-1]:
            lines.pop()  # the chunk's own line ending, not a line of its own
        yield from lines


def _read(number: int, lines: list[str]) -> Row | BadRecord:
    """Read the card property by property: one that cannot be read (a photo cut short, a
    byte that is not in the card's charset) is left out and named, the others are kept."""
    properties, left_out = _parse(lines)
    row = _row(number, properties)
    if not left_out:
        return row
    names = {"names": ", ".join(dict.fromkeys(left_out))}
    if row.is_empty() and not row.full_name:
        return BadRecord(
            number,
            _("Card left out: nobody named in what can be read (unreadable: %(names)s).") % names,
        )
    row.problems.append(_("Unreadable parts of the card left out: %(names)s.") % names)
    return row


def _parse(lines: list[str]) -> tuple[list, list[str]]:
    """Return the card's properties parsed, and the names of those that cannot be."""
    properties, left_out = [], []
    for text in _logical_lines(lines):
        try:
            prop = textLineToContentLine(text)
            _check_base64(prop)
        except Exception:  # vobject raises many kinds on corrupt lines
            left_out.append(_left_out_name(text))
            continue
        properties.append(prop)
    return properties, left_out


def _left_out_name(text: str) -> str:
    """Name a property left out; lines of no property are base64 lines of vCard 2.1, say."""
    return _property_name(text) if _PROPERTY.match(text) else _("lines without a name")


def _logical_lines(lines: list[str]) -> list[str]:
    """Return the card's properties each on one line: a folded line continues the one
    before, and so does a line after a quoted-printable soft line break (a trailing "=")."""
    # Each property as its pieces, joined at the end: adding a piece to a string would copy
    # the whole property each time (a photo folded over 100,000 lines).
    properties: list[list[str]] = []
    quoted = False  # whether the property being read is quoted-printable
    for line in lines:
        last = properties[-1] if properties else None
        if last and quoted and last[-1].endswith("=") and not _PROPERTY.match(line):
            last[-1] = last[-1][:-1]
            last.append(line)
        elif last and line[:1] in (" ", "\t"):
            last.append(line[1:])
        else:
            properties.append([line])
            quoted = _is_quoted_printable(line)
    joined = ["".join(pieces) for pieces in properties]
    # A soft line break before nothing, or before the next property: a stray "=" (Android).
    return [p[:-1] if p.endswith("=") and _is_quoted_printable(p) else p for p in joined]


def _is_quoted_printable(text: str) -> bool:
    return "QUOTED-PRINTABLE" in text.partition(":")[0].upper()


def _property_name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].rpartition(".")[2].upper()


def _check_base64(prop) -> None:
    """Raise ValueError if the property is base64 (a photo, a key) and not readable as such."""
    encodings = {e.upper() for e in prop.params.get("ENCODING", [])}
    if encodings & _BASE64 or _BASE64 & {f.upper() for f in prop.singletonparams}:
        base64.b64decode("".join(prop.value.split()), validate=True)


def _row(number: int, properties: list) -> Row:
    row = Row(line=number, source=Source.VCARD)
    found: dict[str, list] = {}
    for prop in properties:
        found.setdefault(prop.name, []).append(prop)
    labels = _labels(found.get("X-ABLABEL", []))
    row.email, row.other_emails = _points(found.get("EMAIL", []), labels)
    row.phone, row.other_phones = _points(found.get("TEL", []), labels)
    row.full_name, row.job_title, row.notes = (
        _unescape(_first(found, name)) for name in ("FN", "TITLE", "NOTE")
    )
    _read_name(row, _first(found, "N"))
    row.company = _unescape(_split(_first(found, "ORG"), ";")[0]).strip()
    _read_address(row, _by_preference(found.get("ADR", []))[:1])
    for categories in found.get("CATEGORIES", []):
        row.tags += [_unescape(tag) for tag in _split(categories.value, ",")]
    for prop in found.get("URL", []) + found.get("X-SOCIALPROFILE", []):
        value = _unescape(prop.value).strip()
        network = Network.LINKEDIN if "linkedin.com" in value.lower() else Network.WEBSITE
        row.handles.setdefault(network, value)
    return row


def _first(found: dict[str, list], name: str) -> str:
    return found[name][0].value if name in found else ""


def _read_name(row: Row, value: str) -> None:
    """Read N: family;given;additional;prefix;suffix, each maybe several, comma-separated."""
    family, given, additional = [*_split(value, ";"), "", ""][:3]
    row.last_name = _words(family)
    row.first_name = " ".join(filter(None, [_words(given), _words(additional)]))


def _read_address(row: Row, addresses: list) -> None:
    """Read ADR: post box;extended;street;city;region;postcode;country, as written."""
    if addresses:
        parts = [_unescape(part).strip() for part in _split(addresses[0].value, ";")] + [""] * 7
        row.city, row.postcode, row.country = parts[3], parts[5], parts[6]


def _points(props: list, labels: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """Return the main address or number (the preferred, else the first) and the others,
    each with its label; the same value written twice is kept once."""
    values: dict[str, str] = {}
    for prop in _by_preference(props):
        value = _unescape(prop.value).strip()
        value = value[4:] if value[:4].lower() == "tel:" else value
        if value and value not in values:
            values[value] = _label(prop, labels)
    main, *others = values.items() or [("", "")]
    return main[0], others


def _by_preference(props: list) -> list:
    """Return the properties, the preferred ones first (TYPE=pref, PREF=1, 2.1's ;PREF)."""
    return sorted(props, key=lambda prop: not ("pref" in _types(prop) or "PREF" in prop.params))


def _types(prop) -> list[str]:
    """Return the property's types, from TYPE=a,b and from 2.1's bare flags (TEL;CELL)."""
    written = [*prop.params.get("TYPE", []), *prop.singletonparams]
    return [t.strip().strip('"').lower() for value in written for t in value.split(",")]


def _labels(props: list) -> dict[str, str]:
    """Return Apple's labels by group: item1.X-ABLabel:Atelier names item1.EMAIL."""
    return {prop.group.lower(): _label_text(prop.value) for prop in props if prop.group}


def _label_text(value: str) -> str:
    value = _unescape(value).strip()
    return apple[1].lower() if (apple := _APPLE_LABEL.match(value)) else value


def _label(prop, labels: dict[str, str]) -> str:
    if prop.group and prop.group.lower() in labels:
        return labels[prop.group.lower()]
    return " ".join(t for t in dict.fromkeys(_types(prop)) if t in _LABEL_TYPES)


def _split(value: str, separator: str) -> list[str]:
    """Split a structured value at the separators no backslash escapes ("a\\;b;c")."""
    protected = value.replace("\\\\", "\uffff")  # an escaped backslash escapes nothing after it
    parts = re.split(rf"(?<!\\){separator}", protected)
    return [part.replace("\uffff", "\\\\") for part in parts]


def _words(value: str) -> str:
    """Return the parts of a name component ("Dupont,Durand"), joined by spaces."""
    return " ".join(filter(None, (_unescape(part).strip() for part in _split(value, ","))))


def _unescape(value: str) -> str:
    r"""Return the text of a value: "\," "\;" "\:" "\\" and "\n" undone."""
    return _ESCAPED.sub(lambda m: "\n" if m[1] in "nN" else m[1], value)
