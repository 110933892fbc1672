"""A Redis cache that keeps the site up while Redis is down.

Everything this project keeps in the cache can be rebuilt or may be approximate for a while:
throttle counters, the knowledge statistics version, the WeChat access token. So when Redis does
not answer, each operation falls back to this process's memory (a ``LocMemCache``) instead of
failing the request: throttles keep counting per process, pages and the API keep answering. The
first failure is logged; Redis is not asked again for ``RETRY_SECONDS`` so that an outage costs one
connection attempt per process and period, not one per cache call.

Django keeps one cache backend per thread, and under ASGI every request runs in a thread of its own:
each request built a new backend, and with it a new Redis connection pool, so every cache call of a
request (the throttle's count on each API call) opened a TCP connection and ran the client
handshake, about 1.6 ms of CPU a request. The backends of one process share one client (and pools)
per location and options, and one record of whether Redis is down.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("config.cache")

RETRY_SECONDS = 5.0


class _ClientKeepingCacheClient(RedisCacheClient):
    """Django's client, which builds a new redis-py client for every call (its constructor costs
    more than a GET), keeping one per connection pool instead: redis-py clients are thread-safe,
    each command borrows a connection from the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class _Shared:
    """What the backends of one process share for one location and its options."""

    def __init__(self) -> None:
        self.client: Any = None  # Django's RedisCacheClient, which keeps the connection pools
        self.down_until = 0.0
        self.lock = threading.Lock()


_shared: dict[str, _Shared] = {}
_shared_lock = threading.Lock()


def _shared_for(server: Any, options: dict[str, Any]) -> _Shared:
    key = repr((server, sorted(options.items())))
    shared = _shared.get(key)
    if shared is None:
        with _shared_lock:
            shared = _shared.setdefault(key, _Shared())
    return shared


class FailSoftRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that falls back to process memory on errors."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._fallback = LocMemCache(f"redis-fallback:{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._shared = _shared_for(self._servers, self._options)

    @property
    def _cache(self) -> Any:  # Django's is a cached_property of each backend, so of each thread
        shared = self._shared
        if shared.client is None:
            with shared.lock:
                if shared.client is None:
                    shared.client = _ClientKeepingCacheClient(self._servers, **self._options)
        return shared.client

    @property
    def redis_available(self) -> bool:
        return time.monotonic() >= self._shared.down_until

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.redis_available:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except RedisError as exc:
                self._went_down(exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _went_down(self, exc: Exception) -> None:
        with self._shared.lock:
            first = self.redis_available
            self._shared.down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning("Redis cache unreachable (%s); using process memory, retrying in %ss",
                           exc, RETRY_SECONDS)

    def count(self, key: str, timeout: int, version: int | None = None) -> int:
        """``window_count`` in one round trip: INCR, and EXPIRE only when the counter is new."""
        if self.redis_available:
            try:
                full = self.make_and_validate_key(key, version=version)
                client = self._cache.get_client(full, write=True)
                with client.pipeline(transaction=False) as pipe:
                    pipe.incr(full)
                    pipe.expire(full, timeout, nx=True)
                    value, _expiry_set = pipe.execute()
                return int(value)
            except RedisError as exc:
                self._went_down(exc)
        return window_count(self._fallback, key, timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")


def window_count(cache: Any, key: str, timeout: int, version: int | None = None) -> int:
    """Add one to the counter ``key``, which expires ``timeout`` seconds after its first count, and
    return its new value (atomic on Redis, per process elsewhere)."""
    counter = getattr(cache, "count", None)  # the configured cache comes wrapped in a proxy
    if counter is not None:
        return counter(key, timeout, version=version)
    cache.add(key, 0, timeout, version=version)
    try:
        return cache.incr(key, version=version)
    except ValueError:  # expired between the two calls: this is the first count of a new one
        cache.set(key, 1, timeout, version=version)
        return 1
