"""Sending through an ESP: anymail's test backend stands in for the ESP's servers."""

from http.client import RemoteDisconnected

import pytest
import requests
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailRecipientStatus
from django.core import mail
from django.utils import timezone
from urllib3.exceptions import MaxRetryError, NewConnectionError

from campaigns import services
from campaigns.models import Campaign, Delivery
from campaigns.sending.batch import send_batch
from campaigns.sending.ledger import reap
from tests.campaigns.conftest import MAILABLE, make_campaign

# How the fake ESP answers, by recipient: an HTTP status, or a requests exception.
ANSWERS: dict[str, object] = {}


class ScriptedEsp(AnymailTestBackend):
    """anymail's test backend, answering some recipients as a failing ESP would."""

    sessions = 0  # opened, like anymail's requests-based backends count theirs
    session = None

    def open(self):
        if self.session:
            return False
        self.session = object()
        type(self).sessions += 1
        return True

    def close(self):
        self.session = None

    def post_to_esp(self, payload, message):
        answer = ANSWERS.get(message.to[0])
        if answer == "cancel, then 503":
            services.cancel(Campaign.objects.get())
            answer = 503
        if isinstance(answer, int):
            response = requests.Response()
            response.status_code = answer
            response._content = b'{"message": "scripted"}'
            raise AnymailRequestsAPIError(f"ESP answered {answer}", response=response)
        if isinstance(answer, Exception):
            raise AnymailRequestsAPIError("no answer") from answer
        if answer == "rejected":
            message.anymail_test_response = {
                "recipient_status": {
                    message.to[0]: AnymailRecipientStatus(message_id=None, status="rejected")
                }
            }
            mail.outbox.append(message)
            return message.anymail_test_response
        return super().post_to_esp(payload, message)


@pytest.fixture
def esp(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    ANSWERS.clear()
    yield
    ANSWERS.clear()


@pytest.fixture
def scripted(esp, settings):
    settings.EMAIL_BACKEND = f"{__name__}.ScriptedEsp"
    ScriptedEsp.sessions = 0
    return ANSWERS


def send(campaign=None):
    campaign = campaign or make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    while send_batch(campaign.pk):
        pass
    return campaign


def status(email):
    return Delivery.objects.values_list("status", flat=True).get(email=email)


def test_it_sends_through_the_esp_and_stores_its_message_id(esp, audience):
    send()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(MAILABLE)
    message = next(m for m in mail.outbox if m.to == ["elodie@exemple.fr"])
    params = message.anymail_test_params
    assert params["subject"] == "Élodie, nos soldes commencent"
    assert params["extra_headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert params["extra_headers"]["Message-ID"].endswith("@boulangerie-lefevre.fr>")
    assert (params["track_opens"], params["track_clicks"]) == (False, False)  # CNIL
    row = Delivery.objects.get(email="elodie@exemple.fr")
    assert row.esp_message_id == str(mail.outbox.index(message))
    assert row.status == "sent"


def test_click_tracking_is_asked_of_the_esp_when_the_campaign_wants_it(esp, audience):
    send(make_campaign(track_clicks=True))
    params = mail.outbox[0].anymail_test_params
    assert (params["track_opens"], params["track_clicks"]) == (False, True)


def test_a_429_or_a_503_is_retried(scripted, audience):
    scripted["elodie@exemple.fr"] = 429
    scripted["marc@exemple.fr"] = 503
    send()
    assert (status("elodie@exemple.fr"), status("marc@exemple.fr")) == ("pending", "pending")
    assert status("ines@exemple.fr") == "sent"


def test_a_4xx_fails_the_row_without_retry(scripted, audience):
    scripted["marc@exemple.fr"] = 400
    send()
    assert status("marc@exemple.fr") == "failed"


def test_a_refused_recipient_fails_and_is_suppressed(scripted, audience):
    scripted["ines@exemple.fr"] = "rejected"
    send()
    assert status("ines@exemple.fr") == "failed"
    audience["ines"].refresh_from_db()
    assert audience["ines"].email_status == "bounced"


def refused_connection() -> requests.ConnectionError:
    """What requests raises when the ESP's server cannot even be reached."""
    reason = NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/v3/messages", reason=reason))


def test_no_connection_puts_the_batch_back_without_spending_tries(scripted, audience):
    scripted["elodie@exemple.fr"] = refused_connection()
    campaign = send()
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert Delivery.objects.filter(next_attempt_at__lte=timezone.now()).count() == 0
    campaign.refresh_from_db()
    assert campaign.status == "sending"


@pytest.mark.parametrize(
    "answer",
    [
        requests.ReadTimeout("no answer"),
        requests.ConnectionError("Connection aborted.", RemoteDisconnected("closed")),
        500,
        504,
    ],
)
def test_an_answer_lost_after_the_request_left_is_unknown_never_retried(
    scripted, audience, answer
):
    scripted["marc@exemple.fr"] = answer
    send()
    assert status("marc@exemple.fr") == "unknown"


def test_credentials_refused_pause_the_campaign_and_keep_every_row(scripted, audience):
    scripted["elodie@exemple.fr"] = 401
    campaign = send()
    campaign.refresh_from_db()
    assert campaign.status == "paused"
    assert "401" in campaign.paused_reason
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}


def test_a_row_requeued_after_its_campaign_was_cancelled_ends_skipped(
    scripted, audience, settings
):
    settings.CAMPAIGN_HANDOVER_GROUP = 1
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    ANSWERS["elodie@exemple.fr"] = "cancel, then 503"
    while send_batch(campaign.pk):
        pass
    reap()
    assert status("elodie@exemple.fr") == "skipped"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}


def test_one_esp_session_serves_a_whole_batch(scripted, audience):
    send()
    assert len(mail.outbox) == 3
    assert ScriptedEsp.sessions == 1
