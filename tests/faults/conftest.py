"""Fault injection for tests/faults: a dead Redis as broker and cache, a failing step in a service."""

import pytest
from kombu import pools as kombu_pools

from union_office.celery import app as celery_app

# Nothing listens on port 1: connecting is refused at once, as when Redis is stopped.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def _reset_broker_pools() -> None:
    # The app keeps its connection and producer pools (and kombu a global group of them) from the
    # first send; a new broker URL needs new ones, or the send would go to the old transport.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Broker:
    """Celery as in production (not eager), its broker switched off and on by the test."""

    def __init__(self) -> None:
        self.saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}

    def down(self) -> None:
        _reset_broker_pools()
        celery_app.conf.update(task_always_eager=False, broker_url=DEAD_REDIS)

    def revive(self) -> None:
        """The broker is back; its worker runs each task at once, in this process (eager)."""
        _reset_broker_pools()
        celery_app.conf.update(self.saved)


@pytest.fixture
def commits_at_once(monkeypatch):
    """Jobs are sent at once, inside the request, as send_on_commit's hook runs outside a test
    (there the service's atomic block is the outermost one). In the test's transaction they
    would run after the view, too late for the page to say that the broker was down; a
    transactional test would say the same at the cost of emptying the database after it."""
    from union_office import jobs

    monkeypatch.setattr(jobs, "send_on_commit", jobs.send)


@pytest.fixture
def dead_broker():
    broker = Broker()
    broker.down()
    yield broker
    broker.revive()


@pytest.fixture
def dead_cache(settings):
    """The production cache backend (REDIS_URL set) pointed at a Redis that is down."""
    cache = {
        "BACKEND": "union_office.cache.ResilientRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    # The throttles' counters live in the same Redis (settings: CACHES["ratelimit"]).
    settings.CACHES = {"default": cache, "ratelimit": {**cache, "KEY_PREFIX": "rl"}}


class Injected(Exception):
    """The failure a test injects half-way through a request."""


def then_fail(original):
    """`original`, which runs (and writes), followed by a failure: the request dies half-way."""

    def wrapper(*args, **kwargs):
        original(*args, **kwargs)
        raise Injected(f"injected after {original.__name__}")

    return wrapper
