"""`make bench`: runs every benchmark module in tests/bench (bench_*.py) one after another.

Each module has a main() that prints its own figures. Pass names to run a subset:
  make bench BENCH_ARGS="bench_admin_changelist bench_dispatch"
Benchmarks that need PostgreSQL/Redis read DATABASE_URL / REDIS_URL (defaults: the local services).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import time


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    import tests.bench as pkg

    wanted = sys.argv[1:]
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("bench_"))
    if wanted:
        names = [n for n in names if n in wanted]
    failed = []
    for name in names:
        print(f"\n===== {name} =====", flush=True)
        t0 = time.perf_counter()
        # one process per benchmark: each sets Django up with its own database
        rc = subprocess.call([sys.executable, "-m", f"tests.bench.{name}"])
        print(f"----- {name}: exit {rc}, {time.perf_counter() - t0:.1f} s", flush=True)
        if rc:
            failed.append(name)
    importlib.invalidate_caches()
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
