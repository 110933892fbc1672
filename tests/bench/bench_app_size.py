"""Prints the technicians' app first-load size (JS + CSS, gzipped) against its 150 KB budget.

    .venv/bin/python -m tests.bench.bench_app_size
"""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test import Client

    from repairs.app.size import BUDGET_BYTES, first_load, lazy
    from repairs.app.views import catalogue_url

    url = catalogue_url("zh-hans")
    catalogue = Client().get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content
    rows = first_load({f"{url} (generated)": catalogue})
    print(f"{'file':44} {'raw B':>8} {'gzip B':>8}")
    for row in rows:
        print(f"{row.name:44} {row.raw:8} {row.gzipped:8}")
    total = sum(r.gzipped for r in rows)
    print(f"{'first load, JS + CSS':44} {sum(r.raw for r in rows):8} {total:8}  "
          f"= {total / 1024:.1f} KB gzipped of a {BUDGET_BYTES // 1024} KB budget")
    for row in lazy():
        print(f"{'lazy: ' + row.name:44} {row.raw:8} {row.gzipped:8}  (only without BarcodeDetector)")


if __name__ == "__main__":
    main()
