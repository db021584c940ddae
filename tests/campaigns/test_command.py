"""`manage.py campaign create|status|pause|resume|cancel` (DESIGN.md)."""

import json
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from campaigns.models import Campaign


def run(*args) -> str:
    out = StringIO()
    call_command("campaign", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def html(tmp_path):
    path = tmp_path / "body.html"
    path.write_text("<p>Bonjour {{ first_name }}</p>", encoding="utf-8")
    return path


def test_create_prints_the_id_and_schedules_with_at(audience, html):
    pk = int(run("create", "--name", "Rentrée", "--subject", "Salut {{ first_name }}",
                 "--html", str(html), "--tag", "clients", "--at", "2030-09-01T09:00"))  # fmt: skip
    campaign = Campaign.objects.get(pk=pk)
    assert campaign.status == "scheduled"
    assert [t.name for t in campaign.tags.all()] == ["Clients"]
    local = campaign.scheduled_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (9, 0)


def test_create_without_at_makes_a_draft(db, html):
    pk = run("create", "--name", "N", "--subject", "S", "--html", str(html))
    assert Campaign.objects.get(pk=pk).status == "draft"


def test_status_prints_one_json_object_with_every_counter(audience, html):
    pk = run("create", "--name", "N", "--subject", "S", "--html", str(html), "--at", "now")
    status = json.loads(run("status", pk))
    assert status["status"] == "scheduled"
    # Not started yet: the total is the audience it would go to now, all of it pending.
    assert (status["total"], status["pending"], status["sent"]) == (3, 3, 0)
    assert set(status) >= {"status", "total", "pending", "sent", "failed", "unknown",
                           "skipped", "opened", "clicked", "bounced", "complained",
                           "unsubscribed"}  # fmt: skip


def test_pause_resume_cancel_move_the_campaign(audience, html):
    pk = run("create", "--name", "N", "--subject", "S", "--html", str(html), "--at", "now")
    assert run("pause", pk) == "paused"
    assert run("resume", pk) == "scheduled"
    assert run("cancel", pk) == "cancelled"
    with pytest.raises(CommandError, match="état « Annulée » ne peut pas être mise en pause"):
        run("pause", pk)
    with translation.override("en"), pytest.raises(CommandError, match="cannot be paused"):
        run("pause", pk)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--html", "missing.html"], "Impossible de lire missing.html"),
        (["--tag", "nope"], "Aucune étiquette ne s’appelle 'nope'"),
        (["--segment", "nope"], "Aucun segment ne s’appelle 'nope'"),
        (["--at", "demain"], "--at doit être une date et une heure ISO 8601"),
        (["--at", "2020-01-01T10:00"], "Cette date est passée"),
        (["--tag", "VIP", "--tag", "Clients", "--at", "now"], None),
    ],
)
def test_unusable_input_writes_nothing_and_says_why(audience, html, args, message):
    base = ["create", "--name", "N", "--subject", "S", "--html", str(html)]
    if message is None:  # a check that the refusals below are not refusing everything
        run(*base, *args)
        assert Campaign.objects.get().status == "scheduled"
        return
    with pytest.raises(CommandError, match=message):
        run(*base, *args)
    assert not Campaign.objects.exists()


def test_a_campaign_for_nobody_is_refused(db, html):
    with pytest.raises(CommandError, match="Personne ne peut recevoir cette campagne"):
        run("create", "--name", "N", "--subject", "S", "--html", str(html), "--at", "now")
    assert not Campaign.objects.exists()


def test_a_forbidden_template_is_refused(db, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("{% include 'x.html' %}")
    with pytest.raises(CommandError, match=re.escape("corps HTML : « {% include 'x.html' %} »")):
        run("create", "--name", "N", "--subject", "S", "--html", str(bad))
    assert not Campaign.objects.exists()
