"""atheris: a vCard file (see harness.py)."""

import atheris
from harness import rows_of, run


def test(data: bytes) -> None:
    from contacts.importing.formats import vcard

    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    rows_of(vcard.read_text(["BEGIN:VCARD\r\n", *text.splitlines(keepends=True)]))


if __name__ == "__main__":
    run(test)
