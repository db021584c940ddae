from contacts.admin import companies_tags, consent, contacts  # noqa: F401  (registration)
