"""Confirmation emails outlive the broker: never queued, or wiped from Redis, the beat sends
them, once."""

import logging
import socket
from datetime import timedelta

import pytest
import redis.exceptions
from celery import Celery, current_app
from django.utils import timezone

from audience import signups, tasks
from audience.models import MailStatus, Signup
from tests.audience.conftest import post_signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_broker():
    """Point Celery at a Redis port nothing listens on, for the test's duration."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: connections are refused
    previous = current_app._get_current_object()
    dead = Celery("dead-broker", broker=f"redis://127.0.0.1:{port}/0", set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    dead.set_current()
    yield
    previous.set_current()


def waiting(client, django_capture_on_commit_callbacks, **fields) -> Signup:
    """Sign up, as if its task were lost (not run), a little over a minute ago."""
    with django_capture_on_commit_callbacks():  # the queueing callback is dropped
        post_signup(client, **fields)
    signup = Signup.objects.latest("pk")
    Signup.objects.filter(pk=signup.pk).update(signed_up_at=timezone.now() - timedelta(seconds=61))
    return signup


def test_broker_out_of_reach_thanks_the_visitor_and_the_beat_sends_once(
    client, business, smtp, dead_broker, django_capture_on_commit_callbacks, caplog
):
    logged = caplog.at_level(logging.WARNING, "audience.signups")
    with logged, django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_signup(client)
    assert len(callbacks) == 1 and response.status_code == 302
    assert client.get(response["Location"]).status_code == 200  # the thanks page, not a 503
    assert "the beat will send it" in caplog.text
    signup = Signup.objects.get()
    assert (signup.mail_status, signup.mailed_at) == (MailStatus.QUEUED, None)

    tasks.resend_confirmations()  # under a minute old: its task may still come
    assert smtp.to(signup.email) == []
    Signup.objects.filter(pk=signup.pk).update(signed_up_at=timezone.now() - timedelta(seconds=61))
    tasks.resend_confirmations()
    tasks.resend_confirmations()
    assert len(smtp.messages) == 1 and len(smtp.to(signup.email)) == 1
    signup.refresh_from_db()
    assert signup.mail_status == MailStatus.SENT and signup.mailed_at is not None


def test_the_task_delivered_twice_sends_once_and_the_beat_does_not_add_one(
    client, business, smtp, django_capture_on_commit_callbacks
):
    signup = waiting(client, django_capture_on_commit_callbacks)
    tasks.send_confirmation(signup.pk)
    tasks.send_confirmation(signup.pk)
    tasks.resend_confirmations()
    assert len(smtp.to(signup.email)) == 1
    assert Signup.objects.get().mail_status == MailStatus.SENT


def test_confirmed_or_expired_sign_ups_are_not_sent_again(
    client, business, smtp, settings, django_capture_on_commit_callbacks
):
    confirmed = waiting(client, django_capture_on_commit_callbacks, email="a@exemple.fr")
    expired = waiting(client, django_capture_on_commit_callbacks, email="b@exemple.fr")
    Signup.objects.filter(pk=confirmed.pk).update(confirmed_at=timezone.now())
    days_ago = timezone.now() - timedelta(days=settings.SIGNUP_CONFIRM_DAYS, minutes=2)
    Signup.objects.filter(pk=expired.pk).update(signed_up_at=days_ago)
    tasks.resend_confirmations()
    assert smtp.messages == []
    assert set(Signup.objects.values_list("mail_status", flat=True)) == {MailStatus.QUEUED}


def test_a_retry_waits_for_its_time_and_a_stopped_worker_is_not_sent_twice(
    client, business, smtp, django_capture_on_commit_callbacks
):
    later = waiting(client, django_capture_on_commit_callbacks, email="later@exemple.fr")
    stopped = waiting(client, django_capture_on_commit_callbacks, email="stopped@exemple.fr")
    soon = timezone.now() + timedelta(minutes=5)
    Signup.objects.filter(pk=later.pk).update(mail_attempts=1, mail_due_at=soon)
    lease_over = timezone.now() - timedelta(seconds=1)
    Signup.objects.filter(pk=stopped.pk).update(mail_status=MailStatus.SENDING,
                                                mail_due_at=lease_over)  # fmt: skip
    tasks.resend_confirmations()
    assert smtp.messages == []
    assert Signup.objects.get(pk=later.pk).mail_status == MailStatus.QUEUED
    assert Signup.objects.get(pk=stopped.pk).mail_status == MailStatus.UNCERTAIN


def test_redis_failing_before_the_handover_leaves_the_email_waiting(
    client, business, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    signup = waiting(client, django_capture_on_commit_callbacks)

    def out_of_reach(self):
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(signups.RateLimiter, "acquire", out_of_reach)
    with pytest.raises(redis.exceptions.ConnectionError):
        tasks.send_confirmation(signup.pk)
    assert Signup.objects.get().mail_status == MailStatus.QUEUED
    monkeypatch.undo()
    Signup.objects.filter(pk=signup.pk).update(mail_due_at=timezone.now() - timedelta(seconds=61))
    tasks.resend_confirmations()
    assert len(smtp.to(signup.email)) == 1
