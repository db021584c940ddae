import pytest

from contacts.names import names_differ


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Jérôme", "Dupré"), ("Jerome", "DUPRE")),  # accents and case
        (("J.", "Dupré"), ("Jérôme", "Dupré")),  # an initial
        (("Jean", "Martin"), ("Jean-Marc", "Martin")),  # one of the given names
        (("Jean Marc", "Martin"), ("Jean-Marc", "Martin")),
        (("Marie", "Curie"), ("Marie", "")),  # a last name on one side only
        (("", "Dupré"), ("Sophie", "")),  # nothing given on both sides
        (("", ""), ("Sophie", "Étienne")),  # a contact known by its number only
    ],
)
def test_names_that_may_be_one_persons_do_not_differ(first, second):
    assert not names_differ(first, second)
    assert not names_differ(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Sophie", "Étienne"), ("Jérôme", "Dupré")),  # the shared phone
        (("Sophie", "Dupré"), ("Jérôme", "Dupré")),  # a couple's landline
        (("", "Dupré"), ("", "Étienne")),  # last names only, and different
        (("K.", "Dupré"), ("Jérôme", "Dupré")),
        # The same first name on a shared number: perhaps a married name, perhaps two
        # people; a probable duplicate to review, not a merge.
        (("Zoé", "Brûlé"), ("Zoé", "Lefèvre")),
    ],
)
def test_names_of_two_people_differ(first, second):
    assert names_differ(first, second)
    assert names_differ(second, first)
