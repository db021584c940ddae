from campaigns.admin import business, campaigns, deliveries  # noqa: F401  (registration)
