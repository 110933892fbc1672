"""Live progress pages at scale: 1,000 open WebSocket clients across two daphne processes sharing Redis.

Each client watches one of the tickets over ``/ws/t/<token>/`` (half on server A, half on B). This
process commits customer-visible events through the real service (``ticket_note_add`` → after-commit
``broadcast_ticket_event`` → Redis channel layer → both servers → clients) and measures, for every
delivery, the time from commit to receipt. Goal: p95 < 300 ms, and every client ends with its
ticket's final event (no lost final state).

Run: .venv/bin/python -m tests.bench.bench_ws [clients] [tickets] [events_per_ticket]
Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a throwaway
database ``shouhou_bench_ws`` is created and dropped) and Redis (REDIS_URL, default db 9).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import statistics
import sys
import time


def _setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Client:
    def __init__(self, url: str, ticket_id: int):
        self.url, self.ticket_id = url, ticket_id
        self.received: dict[int, float] = {}
        self.ws = None

    async def connect(self) -> None:
        import websockets

        self.ws = await websockets.connect(self.url, open_timeout=30, ping_interval=None, max_queue=None)
        hello = json.loads(await self.ws.recv())
        assert hello["type"] == "hello", hello

    async def listen(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") == "ticket.event":
                    self.received[message["event"]["id"]] = now


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    n_clients = int(argv[0]) if len(argv) > 0 else 1000
    n_tickets = int(argv[1]) if len(argv) > 1 else 100
    per_ticket = int(argv[2]) if len(argv) > 2 else 5
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("CHANNELS_PREFIX", f"benchws{os.getpid()}")
    if not base.startswith("postgres"):
        sys.exit("bench_ws needs DATABASE_URL pointing at PostgreSQL (two server processes share it)")
    _raise_fd_limit(n_clients + 512)
    import psycopg

    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    db_name = "shouhou_bench_ws"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name}")
        conn.execute(f"CREATE DATABASE {db_name}")
    _setup_django(base.rsplit("/", 1)[0] + "/" + db_name)
    from django.core.management import call_command
    from django.db import connection, transaction

    from tests.bench.datagen import generate
    from tests.live import live_server
    from tickets.models import Ticket
    from tickets.services import ticket_note_add

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    generate(n_tickets, seed=7, events_per_ticket=1, open_only=True)
    tickets = list(Ticket.objects.order_by("pk").values_list("pk", "tracking_token")[:n_tickets])
    by_id = Ticket.objects.in_bulk([pk for pk, _token in tickets])
    connection.close()
    print(f"setup: migrated and generated {len(tickets)} tickets in {time.perf_counter() - t0:.1f} s")
    print(f"config: {n_clients} clients, {len(tickets)} tickets, {per_ticket} events per ticket, "
          f"2 daphne processes, channel layer {os.environ['REDIS_URL']}")

    commits: dict[int, tuple[int, float]] = {}  # event id -> (ticket id, commit time)
    last_event: dict[int, int] = {}

    def produce() -> None:
        """Commit the events one after another, about 50 per second, round-robin over the tickets."""
        for round_ in range(per_ticket):
            for ticket_id, _token in tickets:
                ticket = by_id[ticket_id]
                stamp: dict[str, float] = {}
                with transaction.atomic():
                    # registered before the service's broadcast, so it runs first, right after COMMIT
                    transaction.on_commit(lambda s=stamp: s.setdefault("t", time.time()))
                    event = ticket_note_add(ticket=ticket, by=None, customer_visible=True,
                                            message=f"进度更新 {round_ + 1}/{per_ticket}")
                commits[event.pk] = (ticket_id, stamp["t"])
                last_event[ticket_id] = event.pk
                time.sleep(0.02)
        connection.close()

    async def run(server_a: str, server_b: str) -> dict:
        clients = []
        for i in range(n_clients):
            ticket_id, token = tickets[i % len(tickets)]
            server = (server_a if i % 2 == 0 else server_b).replace("http://", "ws://")
            clients.append(Client(f"{server}/ws/t/{token}/", ticket_id))
        started = time.perf_counter()
        for start in range(0, n_clients, 100):
            await asyncio.gather(*(c.connect() for c in clients[start:start + 100]))
        connect_s = time.perf_counter() - started
        listeners = [asyncio.create_task(c.listen()) for c in clients]
        await asyncio.sleep(0.5)
        produced = time.perf_counter()
        await asyncio.get_running_loop().run_in_executor(None, produce)
        produce_s = time.perf_counter() - produced
        # wait (at most 10 s) until every client has its ticket's final event
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(last_event[c.ticket_id] in c.received for c in clients):
                break
            await asyncio.sleep(0.1)
        for c in clients:
            await c.ws.close()
        for task in listeners:
            task.cancel()
        return {"clients": clients, "connect_s": connect_s, "produce_s": produce_s}

    env = {"REDIS_URL": os.environ["REDIS_URL"], "CHANNELS_PREFIX": os.environ["CHANNELS_PREFIX"]}
    with live_server(env=env) as server_a, live_server(env=env) as server_b:
        result = asyncio.run(run(server_a, server_b))

    clients = result["clients"]
    latencies, expected, lost_final = [], 0, 0
    for c in clients:
        mine = [eid for eid, (tid, _t) in commits.items() if tid == c.ticket_id]
        expected += len(mine)
        for eid in mine:
            if eid in c.received:
                latencies.append((c.received[eid] - commits[eid][1]) * 1000)
        if last_event[c.ticket_id] not in c.received:
            lost_final += 1
    received = len(latencies)
    print(f"connected {len(clients)} clients in {result['connect_s']:.2f} s")
    print(f"committed {len(commits)} events in {result['produce_s']:.1f} s "
          f"({len(commits) / result['produce_s']:.0f}/s); deliveries {received}/{expected}")
    if latencies:
        p50, p95, worst = statistics.median(latencies), _pct(latencies, 95), max(latencies)
        print(f"commit → receipt latency: p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {worst:.1f} ms "
              f"(goal p95 < 300 ms) -> {'OK' if p95 < 300 else 'MISSED'}")
    print(f"clients missing their ticket's final event: {lost_final} (goal 0) -> "
          f"{'OK' if lost_final == 0 else 'MISSED'}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
    if lost_final or not latencies:
        sys.exit(1)


if __name__ == "__main__":
    main()
