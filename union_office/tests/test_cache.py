"""The Redis cache backend against a real Redis (CI starts one; the suite's own cache is local memory)."""

import os

import pytest
import redis

from union_office.cache import ResilientRedisCache

REDIS_URL = os.environ.get("CACHE_IT_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def backend():
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"the cache tests need Redis at {REDIS_URL} (.ci/run starts it)")
    yield ResilientRedisCache(REDIS_URL, {})
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_one_client_per_pool_serves_every_call(backend):
    backend.set("roster", {"count": 10_001}, 60)
    backend.set_many({"a": 1, "b": [2, "二"]}, 60)
    assert backend.get("roster") == {"count": 10_001}
    assert backend.get_many(["a", "b", "missing"]) == {"a": 1, "b": [2, "二"]}
    backend.delete("a")
    assert backend.get("a", "miss") == "miss"
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client  # built once, not on every call
    assert len(backend._cache._clients) == 1
