"""Contacts in the shapes the tests need, made through the models' own rules."""

from contacts.choices import Source
from contacts.models import Company, Contact, ContactSource, Handle, Tag


def make_contact(tags=(), sources=(), handles=None, company="", **fields) -> Contact:
    if company:
        fields["company"], _ = Company.objects.get_or_create(name=company)
    contact = Contact.objects.create(**fields)
    for name in tags:
        contact.tags.add(Tag.objects.get_or_create(name=name)[0])
    for source in sources:
        ContactSource.objects.create(contact=contact, source=Source(source))
    for network, value in (handles or {}).items():
        Handle.objects.create(contact=contact, network=network, value=value)
    return contact


def elodie() -> Contact:
    return make_contact(
        first_name="Élodie",
        last_name="Lefèvre",
        email="elodie.lefevre@exemple.fr",
        phone="+33612345678",
        company="Boulangerie Lefèvre",
        job_title="Gérante",
        city="Besançon",
        postcode="25000",
        country="FR",
        email_status="subscribed",
        consent_basis="customer",
        tags=["VIP", "Clients"],
        sources=["linkedin", "google"],
        handles={"linkedin": "https://www.linkedin.com/in/elodie-lefevre", "instagram": "elo"},
    )
