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


class SharedPoolRedisBroker(Redis):
    """``Q_CLUSTER["broker_class"]``: the stock Redis broker, its client drawn from the shared pool."""

    @staticmethod
    def get_connection(list_key: str | None = None) -> redis.Redis:
        if isinstance(Conf.REDIS, str):
            return redis.Redis(connection_pool=_pool(Conf.REDIS))
        return redis.StrictRedis(**Conf.REDIS)
