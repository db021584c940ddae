"""atheris: a delimited text read by each spreadsheet-shaped format (see harness.py)."""

import atheris
from harness import rows_of, run


def test(data: bytes) -> None:
    from contacts.importing import decode, formats
    from contacts.importing.formats.columns import records

    given = atheris.FuzzedDataProvider(data)
    fmt = formats.SPREADSHEETS[given.ConsumeIntInRange(0, len(formats.SPREADSHEETS) - 1)]
    text = given.ConsumeUnicodeNoSurrogates(given.remaining_bytes())
    try:
        rows = list(decode.table(text.splitlines(keepends=True)))
    except Exception:  # csv.Error: refused by recognise (its tests say how)
        return
    if rows:
        numbered = enumerate(rows[1:], start=2)
        rows_of(fmt.read_record(record, line) for line, record in records(rows[0], numbered))


if __name__ == "__main__":
    run(test)
