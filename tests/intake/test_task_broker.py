"""Queuing a task costs one round trip on a connection the process already holds: every django-q2
broker of the process draws from one Redis pool (config/qbroker.py), instead of opening a connection
and running the client handshake per task."""

from __future__ import annotations

import os

import pytest
import redis

from config.qbroker import SharedPoolRedisBroker

URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_conf(monkeypatch):
    from django_q.conf import Conf

    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis to queue on")
    monkeypatch.setattr(Conf, "REDIS", URL)
    monkeypatch.setattr(Conf, "BROKER_CLASS", "config.qbroker.SharedPoolRedisBroker")
    monkeypatch.setattr(Conf, "SYNC", False)  # queued for a cluster, as in production


def test_brokers_share_one_connection(redis_conf):
    from django_q.brokers import get_broker

    brokers = [get_broker("shared-pool-test") for _ in range(5)]
    assert all(isinstance(b, SharedPoolRedisBroker) for b in brokers)
    brokers[0].delete_queue()
    for n, broker in enumerate(brokers):
        broker.enqueue(f"task-{n}")
    pool = brokers[0].connection.connection_pool
    assert all(b.connection.connection_pool is pool for b in brokers)
    assert len(pool._available_connections) + len(pool._in_use_connections) == 1
    assert brokers[0].queue_size() == 5
    assert brokers[1].dequeue()[0][1] == b"task-0"
    brokers[0].delete_queue()


def test_many_tasks_go_in_one_push_as_async_task_would_build_them(redis_conf, monkeypatch):
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    from config.qbroker import enqueue_many

    broker = get_broker()
    broker.delete_queue()
    pushes = []
    real_rpush = redis.Redis.rpush
    monkeypatch.setattr(redis.Redis, "rpush", lambda self, key, *values: pushes.append(len(values))
                        or real_rpush(self, key, *values))
    enqueue_many("tickets.outbox.tasks.outbox_deliver_task", [((n,), f"outbox-{n}") for n in (7, 8, 9)])
    assert pushes == [3]
    tasks = [SignedPackage.loads(broker.dequeue()[0][1]) for _ in range(3)]
    assert [(t["func"], t["args"], t["name"], t["kwargs"]) for t in tasks] == [
        ("tickets.outbox.tasks.outbox_deliver_task", (n,), f"outbox-{n}", {}) for n in (7, 8, 9)]
    assert all(t["id"] and t["started"] for t in tasks)
    broker.delete_queue()


def test_in_sync_mode_each_task_goes_through_async_task(monkeypatch):
    import django_q.tasks

    from config.qbroker import enqueue_many

    queued = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda func, *args, **kw: queued.append((func, args, kw)))
    enqueue_many("tickets.outbox.tasks.outbox_deliver_task", [((1,), "outbox-1"), ((2,), "outbox-2")])
    assert queued == [("tickets.outbox.tasks.outbox_deliver_task", (1,), {"task_name": "outbox-1"}),
                      ("tickets.outbox.tasks.outbox_deliver_task", (2,), {"task_name": "outbox-2"})]
