"""Django builds one cache backend per thread, and under ASGI each request runs in a thread of its own:
the backends of one process share one Redis client and connection pool, and one record of an outage,
so a request opens no connection of its own."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from config.cache import RETRY_SECONDS, FailSoftRedisCache

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def _in_threads(func, n: int = 20) -> list:
    out: list = []

    def run() -> None:
        out.append(func())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
        t.join()  # one after the other, as requests that each get a fresh thread
    return out


@needs_redis
def test_the_backends_of_twenty_request_threads_open_one_connection():
    url, prefix = os.environ["REDIS_URL"], f"threads-{uuid.uuid4().hex}"

    def request() -> tuple:
        cache = FailSoftRedisCache(url, {"KEY_PREFIX": prefix})  # what each new thread gets
        cache.set("seen", 1)
        return cache._cache, cache.get("seen"), cache.count("hits", 60)

    client = request()[0]
    pool = client._get_connection_pool(True)
    opened = pool._created_connections  # other tests of this process may have used it too
    results = _in_threads(request)
    assert {id(c) for c, _seen, _count in results} == {id(client)}
    assert [seen for _c, seen, _n in results] == [1] * 20
    assert sorted(n for _c, _s, n in results) == list(range(2, 22))
    assert pool._created_connections == opened  # requests one after the other reuse its connection


def test_an_outage_seen_by_one_request_thread_spares_the_others_the_connection_attempt(caplog):
    dead = f"redis://127.0.0.1:6390/{uuid.uuid4().int % 16}"
    options = {"OPTIONS": {"socket_connect_timeout": 0.2}}
    first = FailSoftRedisCache(dead, options)
    first.set("k", "v")  # fails over to process memory and notes the outage
    assert not first.redis_available
    later = _in_threads(lambda: FailSoftRedisCache(dead, options).redis_available, n=3)
    assert later == [False] * 3
    assert caplog.text.count("Redis cache unreachable") == 1
    assert RETRY_SECONDS > 0
