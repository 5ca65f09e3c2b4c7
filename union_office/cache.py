"""The Redis cache, with Redis down treated as an empty cache (docs/reliability.md "Redis down").

Everything the app caches (the navbar's unread count, the roster's filter pickers and statistics)
is a copy of what the database holds, so a page can always be built without it. Django's own
RedisCache raises redis.ConnectionError from every get and set, which made every page a 500 while
Redis was down (sessions are in the database and survived). This backend answers a miss instead,
logs once per outage, and for RETRY_AFTER seconds after a failure does not try Redis at all, so a
dead or unreachable Redis costs a page nothing rather than one connect timeout per cache call.

A write (or delete) made while Redis is down is lost: an entry that should have been dropped may
be served again, until its timeout, when Redis comes back with its old data. Every entry the app
caches has a timeout of a few minutes for that reason.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Seconds without trying Redis after a connection error.
RETRY_AFTER = 5.0

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _or_miss(miss: Callable[..., Any]) -> Callable:
    """Run the RedisCache method, or return miss(*args) while Redis is unreachable."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self: "ResilientRedisCache", *args: Any, **kwargs: Any) -> Any:
            if time.monotonic() < self._down_until:
                return miss(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                self._went_down(exc)
                return miss(*args, **kwargs)
            if self._down_since is not None:
                self._came_back()
            return result

        return wrapper

    return decorate


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis around the connection pool on every cache call: its
    constructor was 5 % of a roster page's CPU (a page makes several calls, its session one of them).
    A redis.Redis on a pool is thread-safe, so one per pool serves every call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0
        self._down_since: float | None = None
        self._lock = threading.Lock()

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + RETRY_AFTER
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
        if first:
            logger.warning("cache: Redis is unreachable (%s); pages are built without the cache", exc)

    def _came_back(self) -> None:
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            logger.warning("cache: Redis is reachable again after %.0f s", time.monotonic() - since)

    @_or_miss(lambda key, default=None, *args, **kwargs: default)
    def get(self, *args: Any, **kwargs: Any) -> Any:
        return super().get(*args, **kwargs)

    @_or_miss(lambda keys, *args, **kwargs: {})
    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return super().get_many(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: False)
    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return super().has_key(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: False)
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return super().add(*args, **kwargs)

    # None, like a Redis that lost the key: the throttles' counters (django-ratelimit) then let the
    # request through (RATELIMIT_FAIL_OPEN) rather than answer 500 while Redis is down.
    @_or_miss(lambda *args, **kwargs: None)
    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return super().incr(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: None)
    def set(self, *args: Any, **kwargs: Any) -> Any:
        return super().set(*args, **kwargs)

    @_or_miss(lambda data, *args, **kwargs: list(data))
    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return super().set_many(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: False)
    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return super().touch(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: False)
    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return super().delete(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: None)
    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return super().delete_many(*args, **kwargs)

    @_or_miss(lambda *args, **kwargs: False)
    def clear(self, *args: Any, **kwargs: Any) -> Any:
        return super().clear(*args, **kwargs)
