"""Who a campaign is for: tags and segments, less exclusions, and only the mailable."""

from campaigns import services
from contacts.models import Segment, Tag
from tests.campaigns.conftest import MAILABLE, make_campaign


def emails(campaign) -> set[str]:
    return set(services.audience(campaign).values_list("email", flat=True))


def test_without_tags_or_segments_it_is_everyone_who_may_be_emailed(audience):
    assert emails(make_campaign()) == MAILABLE


def test_tags_and_segments_add_up_and_exclusions_take_away(audience):
    campaign = make_campaign()
    campaign.tags.set([Tag.objects.get(name="Clients")])
    assert emails(campaign) == {"elodie@exemple.fr", "marc@exemple.fr"}  # not paul, not zoé
    b2b = Segment.objects.create(name="Pros", consent_bases=["b2b"])
    campaign.segments.set([b2b])
    assert emails(campaign) == MAILABLE
    campaign.exclude_tags.set([Tag.objects.get(name="VIP")])
    assert emails(campaign) == {"elodie@exemple.fr", "ines@exemple.fr"}
    campaign.exclude_segments.set([Segment.objects.create(name="É", email_statuses=[])])
    assert emails(campaign) == set()  # an empty segment matches everyone


def test_a_segment_never_reaches_those_who_may_not_be_emailed(audience):
    everyone = Segment.objects.create(name="Tous")
    campaign = make_campaign()
    campaign.segments.set([everyone])
    assert emails(campaign) == MAILABLE


def test_the_fan_out_writes_one_row_per_audience_contact(audience):
    campaign = make_campaign()
    services.schedule(campaign)
    assert services.start(campaign) == 3
    assert set(campaign.deliveries.values_list("email", flat=True)) == MAILABLE
    assert set(campaign.deliveries.values_list("status", flat=True)) == {"pending"}
