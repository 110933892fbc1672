"""Times `make run` on a fresh clone, phase by phase, up to the first page served.

    .venv/bin/python -m tests.bench.bench_first_run [--cold-cache] [--port 8141] [--mail-port 8142]
                                                   [--src PATH] [--dest DIR] [--keep]

What a new user waits for: clone the committed HEAD of --src (default: this checkout) into a new
directory, then run `make run` there exactly as the README says, with nothing in the environment but
PORT/MAIL_PORT (no DATABASE_URL, no outer virtualenv). make runs every recipe line through a small
shell wrapper that notes when the line started, so each phase (venv, install, migrate, seed, server)
is read off the real run, whatever the Makefile's recipes are. The clock stops at the first 200 on
`/` (redirects followed, so it is the login page really rendered); then the whole `make run` process
tree is stopped.

--cold-cache points pip's and uv's caches at new empty directories, so every package is downloaded
again; without it, the machine's caches (warm after any earlier install) are used and the report
says how large they were. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Variables a developer's shell (or `make bench`) may carry that would make the run differ from a
# new user's: another database, another virtualenv, nested make flags.
SCRUB = (
    "DATABASE_URL", "REDIS_URL", "CHANNELS_PREFIX", "CACHE_PREFIX", "DJANGO_SETTINGS_MODULE",
    "VIRTUAL_ENV", "SITE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "VENV", "PY",
    "PYTHONPATH", "PYTEST_ARGS",
)

WRAPPER = """#!/bin/sh
# make runs each recipe line as: <this> -c '<line>'. Note its start, run it as /bin/sh would, then
# note its end and the CPU time (user, system) of what it ran: `times` prints the children's last.
printf 'S\\t%s\\t%s\\n' "$(date +%s.%N)" "$(printf '%s' "$2" | tr '\\n' ' ')" >> "$FIRST_RUN_LOG"
/bin/sh "$@"
rc=$?
times > "$FIRST_RUN_LOG.times"  # not in a pipe: a subshell would report its own, empty, times
printf 'E\\t%s\\t%s\\n' "$(date +%s.%N)" "$(tail -n 1 "$FIRST_RUN_LOG.times")" >> "$FIRST_RUN_LOG"
exit $rc
"""

def _du(path: Path) -> str:
    if not path.exists():
        return "absent"
    out = subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True).stdout.split()
    return out[0] if out else "?"


def _seconds(text: str) -> float:
    """`times` prints 1m2.500000s."""
    minutes, _, seconds = text.rstrip("s").partition("m")
    return float(minutes) * 60 + float(seconds or 0)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(proc: subprocess.Popen) -> None:
    """Stops make, honcho and the processes honcho started (each in a session of its own) by id."""
    pids = _descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in [proc.pid, *pids]):
        proc.poll()
        time.sleep(0.2)
    for pid in [proc.pid, *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(REPO), help="repository to clone (its committed HEAD)")
    parser.add_argument("--dest", help="clone here (default: a new temporary directory)")
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--mail-port", type=int, default=8142)
    parser.add_argument("--cold-cache", action="store_true", help="empty pip and uv caches for this run")
    parser.add_argument("--keep", action="store_true", help="keep the clone afterwards")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="first-run-"))
    dest = Path(args.dest) if args.dest else work / "clone"
    log = work / "recipes.log"
    wrapper = work / "sh"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)

    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(PORT=str(args.port), MAIL_PORT=str(args.mail_port), FIRST_RUN_LOG=str(log))
    cache_note = []
    if args.cold_cache:
        env.update(PIP_CACHE_DIR=str(work / "pip-cache"), UV_CACHE_DIR=str(work / "uv-cache"))
        cache_note.append("cold (new empty pip and uv cache directories)")
    else:
        home = Path.home() / ".cache"
        pip_cache = Path(env.get("PIP_CACHE_DIR", home / "pip"))
        uv_cache = Path(env.get("UV_CACHE_DIR", home / "uv"))
        cache_note.append(f"machine caches as they are: pip {pip_cache} {_du(pip_cache)}, "
                          f"uv {uv_cache} {_du(uv_cache)}")

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores", flush=True)
    print(f"install cache: {cache_note[0]}", flush=True)

    t = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", args.src, str(dest)], check=True)
    print(f"git clone: {time.monotonic() - t:.1f} s (not counted below)", flush=True)

    first_page: dict[str, float] = {}
    output: list[tuple[float, str]] = []
    url = f"http://127.0.0.1:{args.port}/"
    start_wall = time.time()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        ["make", "run", f"SHELL={wrapper}"], cwd=dest, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True,
    )

    def read() -> None:
        for line in proc.stdout:
            output.append((time.monotonic() - t0, line.rstrip("\n")))

    def poll() -> None:
        while proc.poll() is None and time.monotonic() - t0 < args.timeout:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        first_page["at"] = time.monotonic() - t0
                        first_page["bytes"] = len(response.read())
                        first_page["url"] = response.url
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.25)

    reader = threading.Thread(target=read, daemon=True)
    poller = threading.Thread(target=poll, daemon=True)
    reader.start()
    poller.start()
    poller.join()
    load_at_page = os.getloadavg()
    _stop(proc)
    reader.join(timeout=5)

    # rows: [start, end or None, cpu seconds or None, command]
    steps: list[list] = []
    if log.exists():
        for row in log.read_text().splitlines():
            kind, _, rest = row.partition("\t")
            stamp, _, text = rest.partition("\t")
            if kind == "S":
                steps.append([float(stamp) - start_wall, None, None, " ".join(text.split())])
            elif kind == "E" and steps:
                steps[-1][1] = float(stamp) - start_wall
                steps[-1][2] = sum(_seconds(x) for x in text.split())
    end = first_page.get("at", time.monotonic() - t0)
    print(f"\n{'phase (make recipe line)':72} {'start s':>7} {'wall s':>7} {'CPU s':>6}")
    for i, (at, until, cpu, command) in enumerate(steps):
        if until is None:  # the server: it runs until the first page
            until = end
        label = command if len(command) <= 72 else command[:69] + "..."
        cpu_text = f"{cpu:6.1f}" if cpu is not None else "     -"
        print(f"{label:72} {at:7.1f} {until - at:7.1f} {cpu_text}")
    if "at" in first_page:
        print(f"\nfirst 200 on / ({first_page['url']}, {first_page['bytes']} bytes): "
              f"{first_page['at']:.1f} s after `make run` started", flush=True)
    else:
        print(f"\nNO first page within {args.timeout:.0f} s; make exit {proc.returncode}; last output:")
        for _, line in output[-40:]:
            print("   ", line)
    print(f"load average at first page: {' '.join(f'{x:.2f}' for x in load_at_page)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        if args.dest:
            shutil.rmtree(dest, ignore_errors=True)
    else:
        print(f"kept: {dest} (log {log})")
    if "at" not in first_page:
        sys.exit(1)


if __name__ == "__main__":
    main()
