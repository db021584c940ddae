from campaigns.admin import campaigns, deliveries  # noqa: F401  (registration)
