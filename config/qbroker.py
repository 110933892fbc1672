"""django-q2's Redis broker on one connection pool per process.

django-q2 builds a new broker for every ``async_task``, and its Redis broker a new client with a
pool of its own, so each queued task opened a TCP connection to Redis and ran the client handshake
(which reads the redis-py package metadata from disk) before its one ``RPUSH``. A ticket created
through the intake queues two tasks, so that was most of the broker's cost on the request path.
Here every broker of the process shares one pool (redis-py's pool is thread-safe and starts afresh
in a forked worker), so a task costs one round trip on a connection already open.
"""

from __future__ import annotations

import threading

import redis
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

_pools: dict[str, redis.ConnectionPool] = {}
_lock = threading.Lock()


def _pool(url: str) -> redis.ConnectionPool:
    pool = _pools.get(url)
    if pool is None:
        with _lock:
            pool = _pools.get(url)
            if pool is None:
                pool = _pools[url] = redis.ConnectionPool.from_url(url)
    return pool


_clients: dict[str, redis.Redis] = {}


def _client(url: str) -> redis.Redis:
    """One client per pool: a client is thread-safe (each command borrows a connection from the pool),
    and building one costs more than the command it sends."""
    client = _clients.get(url)
    if client is None:
        pool = _pool(url)  # takes the lock itself
        with _lock:
            client = _clients.get(url)
            if client is None:
                client = _clients[url] = redis.Redis(connection_pool=pool)
    return client


class SharedPoolRedisBroker(Redis):
    """``Q_CLUSTER["broker_class"]``: the stock Redis broker, its client drawn from the shared pool."""

    @staticmethod
    def get_connection(list_key: str | None = None) -> redis.Redis:
        if isinstance(Conf.REDIS, str):
            return _client(Conf.REDIS)
        return redis.StrictRedis(**Conf.REDIS)


def enqueue_many(func: str, calls: list[tuple[tuple, str]]) -> None:
    """Queue one task per ``(args, task_name)`` of ``func``, as ``async_task`` would, in one round trip.

    A sweep that writes hundreds of messages queues hundreds of deliveries after its commit; one
    ``RPUSH`` each cost a round trip apiece, more than the sweep itself on a busy machine. The
    packages are the ones ``async_task`` builds (same signing, ``pre_enqueue`` signal and defaults), so
    the cluster runs them like any other. In sync mode (tests) or on another broker each call goes
    through ``async_task``."""
    from django.utils import timezone
    from django_q import tasks
    from django_q.brokers import get_broker
    from django_q.humanhash import uuid
    from django_q.signals import pre_enqueue
    from django_q.signing import SignedPackage

    if not calls:
        return
    broker = None if Conf.SYNC else get_broker()
    if not isinstance(broker, SharedPoolRedisBroker):
        for args, name in calls:
            tasks.async_task(func, *args, task_name=name)
        return
    packages = []
    for args, name in calls:
        tag = uuid()
        task: dict = {"id": tag[1], "name": name or tag[0], "func": func, "args": tuple(args)}
        if Conf.CACHED:
            task["cached"] = Conf.CACHED
        if Conf.ACK_FAILURES:
            task["ack_failure"] = Conf.ACK_FAILURES
        task["kwargs"] = {}
        task["started"] = timezone.now()
        pre_enqueue.send(sender="django_q", task=task)
        packages.append(SignedPackage.dumps(task))
    broker.connection.rpush(broker.list_key, *packages)
