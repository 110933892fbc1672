"""Django's `migrate`, with the cyclic garbage collector run less often while it works.

A fresh database applies every migration, and Django renders the historical models again for
nearly every operation: tens of thousands of short-lived model classes, each a web of reference
cycles. With the default thresholds the collector walks that growing heap again and again, some
sixth of a fresh `migrate` on SQLite. Objects that exist before the run (settings, the real models)
are set aside, and collections happen less often; everything is restored afterwards, so the test
runner's and the benchmarks' `call_command("migrate")` leave the process as they found it.
"""

from __future__ import annotations

import gc

from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        threshold = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        try:
            return super().handle(*args, **options)
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()
