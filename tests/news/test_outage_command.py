"""`manage.py outage_notice [--subject S] [--html FILE] [--language fr|en]` (DESIGN.md)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign
from tests.campaigns.conftest import MAILABLE, make_campaign
from tests.news.outage_steps import run


def test_it_starts_the_notice_at_once_and_prints_its_id(audience, business):
    pk = int(run())
    notice = Campaign.objects.get(pk=pk)
    assert (notice.kind, notice.status, notice.public) == ("outage", "sending", True)
    assert set(notice.deliveries.values_list("email", flat=True)) == MAILABLE
    out = StringIO()
    call_command("campaign", "status", str(pk), stdout=out)
    status = json.loads(out.getvalue())
    assert (status["status"], status["total"], status["pending"]) == ("sending", 3, 3)


def test_the_subject_and_body_can_be_given(audience, business, tmp_path):
    html = tmp_path / "panne.html"
    html.write_text("<p>Bonjour {{ first_name }}, appelez le {{ phone }}.</p>", "utf-8")
    notice = Campaign.objects.get(pk=run("--subject", "Panne chez {{ business_name }}",
                                         "--html", str(html)))  # fmt: skip
    assert notice.subject == "Panne chez Boulangerie Lefèvre"
    assert notice.html_body == "<p>Bonjour {{ first_name }}, appelez le 03 81 12 34 56.</p>"


def test_the_english_text_is_chosen_with_language(audience, business):
    notice = Campaign.objects.get(pk=run("--language", "en"))
    assert notice.subject == "Important: how to reach us right now"


def test_nobody_to_warn_is_one_line_and_nothing_made(db):
    with pytest.raises(CommandError, match="Personne ne peut encore recevoir d’e-mail"):
        run()
    assert not Campaign.objects.exists()


def test_a_second_notice_waits_for_the_first(audience, business):
    run()
    with pytest.raises(CommandError, match="déjà en cours d’envoi"):
        run()
    assert Campaign.objects.filter(kind="outage").count() == 1


def test_a_body_outside_the_merge_fields_is_refused(audience, tmp_path):
    html = tmp_path / "panne.html"
    html.write_text("<p>{{ settings.SECRET_KEY }}</p>", "utf-8")
    with pytest.raises(CommandError, match="lit un attribut"):
        run("--html", str(html))
    assert not Campaign.objects.exists()


def test_an_unreadable_file_is_refused(audience, tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire"):
        run("--html", str(tmp_path / "absent.html"))


def test_a_regular_campaign_sending_does_not_stop_the_notice(audience, business):
    regular = make_campaign()
    regular.status = "sending"
    regular.save()
    assert Campaign.objects.get(pk=run()).status == "sending"
