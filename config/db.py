"""Time limits for PostgreSQL connections: a runaway query or a forgotten transaction must not hold rows
and connections until someone notices.

The web answers people who wait, so its statements get a short limit; the task worker (reports,
imports, sweeps) and management commands get a longer one; ``migrate`` gets none, because building an
index on a big table may take a while. ``config.asgi``/``config.wsgi`` mark their process as the web.
"""

from __future__ import annotations

import os
import sys

WEB_STATEMENT_TIMEOUT_MS = 30_000
WORKER_STATEMENT_TIMEOUT_MS = 600_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000


def process_role(argv: list[str] | None = None) -> str:
    """``web`` for the ASGI/WSGI servers, ``migrate`` for schema changes, ``worker`` for everything else."""
    if os.environ.get("SHOUHOU_PROCESS") == "web":
        return "web"
    args = sys.argv if argv is None else argv
    if len(args) > 1 and args[1] in ("migrate", "runserver"):
        return "web" if args[1] == "runserver" else "migrate"
    return "worker"


def postgres_timeouts(env, *, role: str) -> dict[str, int]:
    """The limits (milliseconds, 0 = none) for a process of ``role``, overridable from the environment."""
    if role == "web":
        statement = env.int("DB_STATEMENT_TIMEOUT_MS", default=WEB_STATEMENT_TIMEOUT_MS)
    elif role == "migrate":
        statement = 0
    else:
        statement = env.int("DB_WORKER_STATEMENT_TIMEOUT_MS", default=WORKER_STATEMENT_TIMEOUT_MS)
    idle = env.int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=IDLE_IN_TRANSACTION_TIMEOUT_MS)
    return {"statement_timeout": statement, "idle_in_transaction_session_timeout": idle}


def postgres_options(timeouts: dict[str, int]) -> str:
    """libpq ``options``: the settings every new connection starts with."""
    return " ".join(f"-c {name}={value}" for name, value in timeouts.items())
