"""Bytes to text and text to tables, as exports written by people and programs need."""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import BinaryIO, TextIO

from django.utils.formats import number_format
from django.utils.translation import gettext as _

DELIMITERS = ",;\t|"
SAMPLE = 1 << 20  # bytes read to recognise a file and its encoding
MAX_LINE = 1 << 20  # characters in one line of a text export (a CSV cell stops at 128 KiB)


class UnreadableFile(ValueError):
    """A file Carnet cannot read at all; its message is shown to the user as is."""


def encoding_of(sample: bytes) -> str:
    """Return the encoding of an export whose encoding nobody wrote down, from its start.

    A BOM decides; otherwise UTF-16 when its NUL bytes fall as in UTF-16 text, UTF-8 when
    most non-ASCII bytes form valid UTF-8 (a LinkedIn file whose accents Excel cut stays
    UTF-8), else cp1252 (French Excel, Outlook).
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if sample.startswith(bom):
            return encoding
    if b"\x00" in sample[:1000]:
        if utf16 := _utf16_without_bom(sample[:1000]):
            return utf16
        raise UnreadableFile(_("Binary content: this is not a text export."))
    text = sample.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    # One broken character may be a multi-byte one cut at the end of the sample.
    if broken > 1 and broken > sum(1 for c in text if c > "\x7f" and c != "\ufffd"):
        return "cp1252"
    return "utf-8"


def _utf16_without_bom(head: bytes) -> str:
    """Return "utf-16-le" or "utf-16-be" if the NULs fall as in UTF-16 text, else "".

    Text in Latin scripts is mostly characters below U+0100, whose high byte is NUL: one
    byte in two is NUL, always at odd offsets (little-endian) or always at even ones (big-
    endian). Binary content has NULs at both.
    """
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    if odd > pairs // 4 and even * 20 <= odd:
        return "utf-16-le"
    if even > pairs // 4 and odd * 20 <= even:
        return "utf-16-be"
    return ""


def encoded(marker: str, encoding: str, sample: bytes) -> bytes:
    """Return `marker` as a file of this encoding (whose start is `sample`) writes it."""
    if encoding == "utf-16":  # the BOM tells the byte order
        encoding = "utf-16-be" if sample.startswith(codecs.BOM_UTF16_BE) else "utf-16-le"
    return marker.encode(encoding.removesuffix("-sig"), errors="replace")


def text_stream(raw: BinaryIO, encoding: str) -> TextIO:
    """Return the binary stream as text, bad bytes replaced, line endings kept for csv."""
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def text_lines(raw: BinaryIO, encoding: str, name: str) -> Iterator[str]:
    """Yield the lines of the binary stream as text (see text_stream); refuse a line longer
    than MAX_LINE characters before it is read whole (a file of one 50 MB line, say)."""
    with text_stream(raw, encoding) as stream:
        while line := stream.readline(MAX_LINE + 1):
            if len(line) > MAX_LINE:
                message = _(
                    "%(name)s: a line is longer than %(size)s characters: not a contact export."
                )
                raise UnreadableFile(
                    message % {"name": name, "size": number_format(MAX_LINE, force_grouping=True)}
                )
            yield line


def header_key(name: str) -> str:
    """Return a column name folded for matching: "Adresse E-mail " → "adresse e mail"."""
    name = unicodedata.normalize("NFKD", name.strip().casefold())
    name = "".join(c for c in name if not unicodedata.combining(c))
    return " ".join(re.split(r"[\s_\-.:/()]+", name)).strip()


def repair_mojibake(value: str) -> str:
    """Undo UTF-8 read as Latin-1 ("Ã©" → "é"), leaving correct text as it was."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def sniff_delimiter(lines: list[str]) -> str:
    """Return the delimiter that splits the sample's lines most consistently."""

    def score(delimiter: str) -> tuple[int, int]:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if any(row)]
        widest = max(counts, default=1)
        return (sum(1 for n in counts if n == widest and n > 1), widest)

    return max(DELIMITERS, key=score)


def table(lines: Iterable[str]) -> Iterator[list[str]]:
    """Yield the rows of a delimited text, the delimiter guessed from its first lines."""
    lines = iter(lines)
    head = list(islice(lines, 30))
    return csv.reader(chain(head, lines), delimiter=sniff_delimiter(head))
