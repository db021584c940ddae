"""atheris: any file, recognised and read as an import reads it (see harness.py)."""

import atheris
from harness import read_file, run

FORMATS = ["auto", "csv", "xlsx", "vcard", "google", "outlook", "linkedin", "facebook",
           "instagram", "telegram", "mailchimp", "brevo"]  # fmt: skip


def test(data: bytes) -> None:
    given = atheris.FuzzedDataProvider(data)
    forced = FORMATS[given.ConsumeIntInRange(0, len(FORMATS) - 1)]
    read_file(given.ConsumeBytes(given.remaining_bytes()), "fichier", forced)


if __name__ == "__main__":
    run(test)
