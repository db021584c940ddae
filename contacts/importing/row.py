"""One person as a file describes them, before cleaning."""

from dataclasses import dataclass, field


@dataclass
class Row:
    """What one record of a file says about one person, before cleaning."""

    line: int
    source: str
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    email: str = ""  # the main address (the preferred, else the first)
    phone: str = ""  # the main number
    # The person's further addresses and numbers, as (value, label): the file's "work",
    # "home", "iCloud"… or "". Kept on the contact, never used to send.
    other_emails: list[tuple[str, str]] = field(default_factory=list)
    other_phones: list[tuple[str, str]] = field(default_factory=list)
    company: str = ""
    job_title: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)
    external_key: str = ""
    name_key: str = ""  # set by clean(): the key that finds the person by name
    # What the file itself proves about consent (a Mailchimp status file, say).
    status: str = ""
    basis: str = ""
    proof: str = ""
    # When and from where the person consented, as the file says (a Mailchimp opt-in):
    # an ISO 8601 time (UTC unless it says) and an IP address, or "".
    proof_at: str = ""
    proof_ip: str = ""
    problems: list[str] = field(default_factory=list)
    # Values kept as the file wrote them because Carnet could not read them, as
    # (kind, value): ("phone", "555 0123"), ("email", "mael.menard@exemple").
    not_understood: list[tuple[str, str]] = field(default_factory=list)

    def emails(self) -> list[str]:
        """Return every address of the row, the main one first."""
        return [self.email, *(value for value, _label in self.other_emails)] if self.email else []

    def phones(self) -> list[str]:
        """Return every number of the row, the main one first."""
        return [self.phone, *(value for value, _label in self.other_phones)] if self.phone else []

    def is_empty(self) -> bool:
        return not (self.first_name or self.last_name or self.email or self.phone or self.handles)


class BadRecord(ValueError):
    """One record (a vCard, a JSON entry) that could not be read; the others are imported."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
