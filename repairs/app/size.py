"""The app's first-load size: every JS and CSS byte the shell makes the phone fetch, gzipped as a
server would send it (level 6), against the budget of a cheap phone on a slow mobile network."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass

from .assets import FIRST_LOAD, LAZY, asset_path

BUDGET_BYTES = 150 * 1024
IMPORT = re.compile(r"""(?:import|from)\s*["'](\./[\w\-.]+\.js)["']""")


@dataclass(frozen=True)
class Asset:
    name: str
    raw: int
    gzipped: int


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def module_graph(entry: str = "technician/app.js") -> set[str]:
    """The static imports reachable from the entry module (what the browser fetches before running)."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        folder = name.rsplit("/", 1)[0]
        for rel in IMPORT.findall(asset_path(name).read_text(encoding="utf-8")):
            todo.append(f"{folder}/{rel[2:]}")
    return seen


def first_load(extra: dict[str, bytes] | None = None) -> list[Asset]:
    """The first-load files (and any generated ones passed in, e.g. the translation catalogue)."""
    rows = []
    for name in FIRST_LOAD:
        data = asset_path(name).read_bytes()
        rows.append(Asset(name, len(data), gz(data)))
    for name, data in (extra or {}).items():
        rows.append(Asset(name, len(data), gz(data)))
    return rows


def lazy() -> list[Asset]:
    return [Asset(n, len(b := asset_path(n).read_bytes()), gz(b)) for n in LAZY]
