"""GET /health/ (issue 23): what the load balancer and compose healthchecks ask each node."""

import datetime
import json
import os

import pytest
from django.urls import reverse
from health_check.base import HealthCheck

pytestmark = pytest.mark.django_db


def checks_of(response) -> dict[str, str]:
    return json.loads(response.content)


def test_a_healthy_node_answers_200_without_a_login(client, storage_backend, monkeypatch):
    # Each check has 5 s in production; a busy test machine's S3 round trip may take longer.
    monkeypatch.setattr(HealthCheck, "timeout", datetime.timedelta(seconds=60))
    response = client.get(reverse("health"), {"format": "json"})
    assert response.status_code == 200
    assert checks_of(response) == {
        "Database(alias='default')": "OK",
        "Cache(alias='default')": "OK",
        "Storage(alias='default')": "OK",
        "Storage(alias='private')": "OK",
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_storage_that_cannot_write_makes_the_node_unhealthy(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.PRIVATE_MEDIA_ROOT = blocker  # a file where the folder should be: every save fails
    response = client.get(reverse("health"), {"format": "json"})
    assert response.status_code == 500
    checks = checks_of(response)
    assert checks["Storage(alias='private')"] != "OK"
    assert checks["Database(alias='default')"] == "OK"


def test_an_unreachable_broker_makes_the_node_unhealthy(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing answers Redis
    response = client.get(reverse("health"), {"format": "json"})
    assert response.status_code == 500
    (broker,) = [value for name, value in checks_of(response).items() if name.startswith("Redis")]
    assert broker != "OK"


@pytest.mark.skipif(not os.environ.get("CI_REDIS_URL"), reason="needs a Redis server: CI_REDIS_URL=redis://…")
def test_a_reachable_broker_is_healthy(client, settings):
    settings.CELERY_BROKER_URL = os.environ["CI_REDIS_URL"]
    response = client.get(reverse("health"), {"format": "json"})
    assert response.status_code == 200
    assert any(name.startswith("Redis") for name in checks_of(response))


def test_only_get(client):
    assert client.post(reverse("health")).status_code == 405
