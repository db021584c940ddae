import time

import pytest
from django.urls import reverse

from crm import heartbeat
from tests.helpers import start_celery, stop

pytestmark = pytest.mark.slow


def _wait_for_heartbeat(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if heartbeat.workers_running():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.django_db
def test_beat_and_a_worker_keep_the_admin_informed(tmp_path, client, alice):
    """Real `celery beat` and `celery worker` processes, on the configured broker."""
    from django.core.cache import cache

    cache.delete(heartbeat.CACHE_KEY)
    client.force_login(alice)
    assert client.get(reverse("admin:index")).context["workers_running"] is False

    with open(tmp_path / "celery.log", "w") as log:
        worker = start_celery("worker", "--pool=solo", "--loglevel=INFO", log=log)
        beat = start_celery("beat", "--schedule", str(tmp_path / "schedule"), log=log)
        try:
            recorded = _wait_for_heartbeat(seconds=60)
        finally:
            stop(beat, worker)

    assert recorded, (tmp_path / "celery.log").read_text()[-3000:]
    response = client.get(reverse("admin:index"))
    assert response.context["workers_running"] is True
    assert 'id="workers-warning"' not in response.content.decode()
