"""The API's per-user and per-address throttles count requests per window with one atomic increment:
exact under concurrent requests, one round trip to Redis, the window's expiry set once, and a
429 that says when the next window opens."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache

from config.cache import FailSoftRedisCache, window_count

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def _redis_cache() -> FailSoftRedisCache:
    return FailSoftRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}"})


def test_a_counter_counts_from_one_and_each_window_has_its_own():
    cache = LocMemCache(f"window-{uuid.uuid4().hex}", {})
    assert [window_count(cache, "user:1:100", 61) for _ in range(3)] == [1, 2, 3]
    assert window_count(cache, "user:1:101", 61) == 1
    assert window_count(cache, "user:2:100", 61) == 1


@needs_redis
def test_on_redis_one_round_trip_counts_and_the_expiry_is_set_by_the_first_count_only():
    cache = _redis_cache()
    client = cache._cache.get_client(write=True)
    full = cache.make_and_validate_key("user:7:1")
    try:
        assert window_count(cache, "user:7:1", 61) == 1
        client.expire(full, 30)  # later counts must not push the window's end back
        assert [window_count(cache, "user:7:1", 61) for _ in range(2)] == [2, 3]
        assert 0 < client.ttl(full) <= 30
        assert cache.get("user:7:1") == 3  # an ordinary integer for the rest of the cache API
    finally:
        client.delete(full)


@needs_redis
def test_on_redis_concurrent_requests_are_all_counted():
    cache = _redis_cache()
    counts: list[int] = []
    barrier = threading.Barrier(8)

    def hit() -> None:
        barrier.wait()
        counts.extend(window_count(cache, "user:9:1", 61) for _ in range(25))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(counts) == list(range(1, 201))  # every request got its own number: none lost
    finally:
        cache._cache.get_client(write=True).delete(cache.make_and_validate_key("user:9:1"))


@needs_redis
def test_the_configured_cache_counts_in_one_round_trip(settings, monkeypatch):
    from django.core.cache import cache as configured

    settings.CACHES = {"default": {"BACKEND": "config.cache.FailSoftRedisCache", "LOCATION": os.environ["REDIS_URL"],
                                   "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}"}}
    calls = []
    monkeypatch.setattr(FailSoftRedisCache, "_call", lambda self, name, *a, **k: calls.append(name))
    assert [window_count(configured, "user:5:1", 61) for _ in range(2)] == [1, 2]
    assert calls == []  # neither add nor incr: the pipelined count
    configured._cache.get_client(write=True).delete(configured.make_and_validate_key("user:5:1"))


def test_redis_down_counts_in_process_memory():
    cache = FailSoftRedisCache("redis://127.0.0.1:6390/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert [cache.count("user:3:1", 61) for _ in range(3)] == [1, 2, 3]


def test_the_answer_past_the_budget_is_429_until_the_next_window(private_cache, monkeypatch, tech_client):
    from config import throttling

    clock = {"now": 6_000_030.0}  # thirty seconds into a minute
    monkeypatch.setattr(throttling.UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    monkeypatch.setattr(throttling.UserRateThrottle, "timer", lambda self: clock["now"])
    assert [tech_client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = tech_client.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused.json()["extra"]["retry_after"] == 30
    clock["now"] += 30  # the next minute
    assert tech_client.get("/api/v1/me/").status_code == 200
