"""vCards 2.1, 3.0 and 4.0 from phones and address books, each card parsed on its own."""

import re
from collections.abc import Iterable, Iterator
from itertools import chain

import vobject
from django.utils.translation import gettext as _

from contacts.choices import Network, Source
from contacts.importing.row import BadRecord, Row

NAME = "vcard"
COUNTED = b"BEGIN:VCARD"  # what to count in the file to estimate its rows

_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^END:VCARD\s*$", re.IGNORECASE)
# The start of a property, as exports write their names: "item1.EMAIL;type=…:", "FN:". A line
# of a quoted-printable value may start like one in lower case ("Tel: 06…"): it does not.
_PROPERTY = re.compile(r"^(?:[\w-]+\.)?[A-Z][A-Z0-9-]*[;:]")


def detect_text(text: str) -> bool:
    """Tell whether the start of a text file holds a vCard."""
    return bool(re.search(r"^BEGIN:VCARD\s*$", text[:5000], re.IGNORECASE | re.MULTILINE))


def cards(text_lines: Iterable[str]) -> Iterator[tuple[int, str | None]]:
    """Yield (line where the card begins, card text) so that one corrupt card cannot stop
    the others; a card that never ends is yielded as (line, None)."""
    lines: list[str] = []
    number = 0
    for index, line in enumerate(_lines(text_lines), start=1):
        if _BEGIN.match(line):
            if lines:
                yield number, None
            lines, number = [line], index
        elif lines and line.strip():  # "\r\r\n" endings (iPhone) make blank lines
            lines.append(line)
            if _END.match(line):
                yield number, "\r\n".join(lines) + "\r\n"
                lines = []
    if lines:
        yield number, None


_LINE_END = re.compile(r"\r\n|\r|\n")


def _lines(text_lines: Iterable[str]) -> Iterator[str]:
    """Yield lines whatever their endings ("\\r\\r\\n" from iPhones included); only CR and
    LF end a line (a U+2028 in a note does not)."""
    for chunk in text_lines:
        lines = _LINE_END.split(chunk)
        if len(lines) > 1 and not lines[-1]:
            lines.pop()  # the chunk's own line ending, not a line of its own
        yield from lines


def read_text(text_lines: Iterable[str]) -> Iterator[Row | BadRecord]:
    """Yield the cards of the file, each read on its own."""
    for number, card_text in cards(text_lines):
        if card_text is None:
            yield BadRecord(number, "card without END:VCARD")
        else:
            yield _read(number, card_text)


def _read(number: int, card_text: str) -> Row | BadRecord:
    """Read the card; if it cannot be read whole (a photo cut short, a byte that is not
    UTF-8), read what can be read of it, naming what was left out."""
    try:
        return _row(number, vobject.readOne(card_text, allowQP=True))
    except Exception as e:  # vobject raises many kinds on corrupt cards
        failure = f"unreadable card: {str(e)[:200]}"
    version, properties = _properties(card_text)
    kept = [p for p in properties if _readable([*version, *p])]
    try:
        row = _row(number, vobject.readOne(_card([*version, *chain(*kept)]), allowQP=True))
    except Exception:
        return BadRecord(number, failure)
    if row.is_empty() and not row.full_name:
        return BadRecord(number, failure)  # what was readable names nobody
    left_out = [p[0] for p in properties if p not in kept]
    names = sorted({_name(line) for line in left_out if _PROPERTY.match(line)})[:5]
    if any(not _PROPERTY.match(line) for line in left_out):
        names.append(_("lines without a name"))  # base64 lines of vCard 2.1, say
    row.problems.append(
        _("Unreadable parts of the card left out: %(names)s.") % {"names": ", ".join(names)}
    )
    return row


def _properties(card_text: str) -> tuple[list[str], list[list[str]]]:
    """Return the card's VERSION line, and its other properties as lists of lines (a
    folded line, or a quoted-printable soft line break, continues a property)."""
    version, properties = [], []
    for line in card_text.splitlines():
        if _BEGIN.match(line) or _END.match(line):
            continue
        previous = properties[-1][-1] if properties else ""
        soft_break = (
            previous.endswith("=")
            and "QUOTED-PRINTABLE" in properties[-1][0].upper()
            and not _PROPERTY.match(line)  # Android ends some values with a stray "="
        )
        if properties and (line[:1] in (" ", "\t") or soft_break):
            properties[-1].append(line)
        elif _name(line) == "VERSION":
            version = [line]
        else:
            properties.append([line])
    for lines in properties:  # a soft line break before nothing: a stray "=" (Android)
        if "QUOTED-PRINTABLE" in lines[0].upper() and lines[-1].endswith("="):
            lines[-1] = lines[-1][:-1]
    return version, properties


def _name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].rpartition(".")[2].upper()


def _card(lines: list[str]) -> str:
    return "\r\n".join(["BEGIN:VCARD", *lines, "END:VCARD", ""])


def _readable(lines: list[str]) -> bool:
    try:
        vobject.readOne(_card(lines), allowQP=True)
    except Exception:
        return False
    return True


def _values(card, name: str) -> list:
    return [line for line in card.contents.get(name, [])]


def _preferred(lines: list) -> str:
    def is_preferred(line) -> bool:
        types = {t.strip().lower() for v in line.params.get("TYPE", []) for t in v.split(",")}
        flags = {str(f).lower() for f in getattr(line, "singletonparams", [])}
        return "pref" in types or "pref" in flags or "PREF" in line.params

    ordered = sorted(lines, key=lambda line: not is_preferred(line))
    return str(ordered[0].value).removeprefix("tel:") if ordered else ""


def _row(number: int, card) -> Row:
    row = Row(line=number, source=Source.VCARD)
    if names := _values(card, "n"):
        name = names[0].value
        row.first_name = " ".join(filter(None, [_join(name.given), _join(name.additional)]))
        row.last_name = _join(name.family)
    if names := _values(card, "fn"):
        row.full_name = str(names[0].value)
    row.email = _preferred(_values(card, "email"))
    row.phone = _preferred(_values(card, "tel"))
    if orgs := _values(card, "org"):
        row.company = _join(orgs[0].value[:1])
    if titles := _values(card, "title"):
        row.job_title = str(titles[0].value)
    if addresses := _values(card, "adr"):
        address = addresses[0].value
        row.city, row.postcode, row.country = (
            _join(address.city),
            _join(address.code),
            _join(address.country),
        )
    if notes := _values(card, "note"):
        row.notes = str(notes[0].value)
    for categories in _values(card, "categories"):
        row.tags += [str(c) for c in categories.value]
    for url in _values(card, "url") + _values(card, "x-socialprofile"):
        value = str(url.value)
        network = Network.LINKEDIN if "linkedin.com" in value else Network.WEBSITE
        row.handles.setdefault(network, value)
    return row


def _join(value) -> str:
    return " ".join(value) if isinstance(value, list) else str(value or "")
