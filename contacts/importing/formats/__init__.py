"""The formats Carnet reads, one module each, and the order in which they are tried.

A format module has a NAME (its code, as in Source and FORMAT_CHOICES) and, for each shape
its exports come in:

- spreadsheet-shaped (CSV, XLSX): `detect_header(keys)`, told the header's folded column
  names, and `read_record(record, line)`, which returns a Row;
- JSON: `SIGNS`, bytes its files show in their first megabyte, and `detect_json(data)`,
  which returns the reader of the parsed document (rows of it) or None;
- text: `COUNTED`, what to count to estimate its rows, `detect_text(sample)` and
  `read_text(lines)`.
"""

from contacts.importing.formats import (
    brevo,
    facebook,
    google,
    instagram,
    linkedin,
    mailchimp,
    outlook,
    spreadsheet,
    telegram,
    vcard,
)

FORMAT_CHOICES = [
    "auto", "csv", "xlsx", "vcard", "google", "outlook", "linkedin",
    "facebook", "instagram", "telegram", "mailchimp", "brevo",
]  # fmt: skip
# Most specific first: a Mailchimp file also has an "email address" column, and any of
# them could pass for a spreadsheet typed by a person.
SPREADSHEETS = [facebook, mailchimp, brevo, linkedin, google, outlook, spreadsheet]
JSON = [facebook, instagram, telegram]
TEXTS = [vcard]
