from contacts.admin import companies_tags, consent, contacts, imports  # noqa: F401  (registration)
