"""atheris: a JSON document read by each JSON format (see harness.py)."""

import json

import atheris
from harness import rows_of, run


def test(data: bytes) -> None:
    from contacts.importing import formats

    given = atheris.FuzzedDataProvider(data)
    try:
        document = json.loads(given.ConsumeUnicodeNoSurrogates(given.remaining_bytes()))
    except (ValueError, RecursionError):  # refused by recognise
        return
    for fmt in formats.JSON:
        if reader := fmt.detect_json(document):
            rows_of(reader(document))


if __name__ == "__main__":
    run(test)
