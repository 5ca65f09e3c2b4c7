"""GET /health/: is this node able to serve? (django-health-check; docs/scale.md)

The load balancer and docker-compose's healthchecks ask it. It checks what a request needs from
this node: the database, the cache, the broker (to queue exports and reminders) and both file
storage aliases (a local folder or the bucket), each by a real round trip. It does not ask the Celery
workers: a web node stays in service while a worker restarts (workers have their own healthcheck).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from health_check.views import HealthCheckView
from redis.asyncio import Redis


def _broker() -> Redis:
    return Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)


def health_checks() -> list:
    checks: list = [
        "health_check.checks.Database",
        "health_check.checks.Cache",
        ("health_check.checks.Storage", {"alias": "default"}),
        ("health_check.checks.Storage", {"alias": "private"}),
    ]
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        checks.append(("health_check.contrib.redis.Redis", {"client_factory": _broker}))
    return checks


class UnionHealthCheckView(HealthCheckView):
    def get_checks(self):
        self.checks = health_checks()  # read per request so tests can change the broker setting
        return super().get_checks()


health = login_not_required(UnionHealthCheckView.as_view())
