import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from contacts.models import Company, Contact, Tag

pytestmark = pytest.mark.django_db


def test_it_refuses_a_second_contact_with_the_same_email_in_another_case():
    Contact.objects.create(email="Jeanne.Martin@Exemple.fr")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(email="jeanne.martin@exemple.FR")
    assert Contact.objects.count() == 1


def test_it_reports_the_duplicate_email_as_a_form_error():
    Contact.objects.create(email="jeanne@exemple.fr")
    duplicate = Contact(email="JEANNE@exemple.fr")
    with pytest.raises(ValidationError) as error, translation.override("fr"):
        duplicate.full_clean()
    assert error.value.messages == ["Un contact avec cette adresse e-mail existe déjà."]


def test_it_allows_many_contacts_without_email():
    Contact.objects.create(first_name="Ana", phone="+33612345678")
    Contact.objects.create(first_name="Bruno")
    assert Contact.objects.filter(email="").count() == 2


def test_it_normalises_the_phone_when_cleaned():
    contact = Contact(first_name="Éa", phone="06.12.34.56.78")
    contact.full_clean()
    assert contact.phone == "+33612345678"


def test_it_refuses_a_phone_rounded_by_excel():
    contact = Contact(first_name="Éa", phone="6,12346E+08")
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "phone" in error.value.message_dict


def test_it_wants_a_basis_for_a_subscribed_contact():
    contact = Contact(email="a@exemple.fr", email_status="subscribed")
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "consent_basis" in error.value.message_dict


@pytest.mark.parametrize("model", [Company, Tag])
def test_it_keeps_company_and_tag_names_unique_ignoring_case(model):
    model.objects.create(name="Boulangerie Lefèvre")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(name="BOULANGERIE LEFÈVRE")


def test_it_finds_a_contact_by_email_ignoring_case_through_the_unique_index():
    elodie = Contact.objects.create(email="Élodie.Martin@Exemple.fr")
    Contact.objects.create(first_name="Sans adresse")

    assert list(Contact.objects.by_email(" élodie.martin@exemple.FR ")) == [elodie]
    assert not Contact.objects.by_email("").exists()
    # A webhook looks a recipient up per event: a scan of a million contacts each time
    # would not do. (PostgreSQL reads a table this small whole unless told not to.)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
    assert "contact_email_ci_unique" in Contact.objects.by_email("a@b.fr").order_by().explain()
