from contacts.admin import companies_tags, consent, contacts, imports, segments  # noqa: F401
