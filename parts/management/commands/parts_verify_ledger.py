"""Verify that the movement ledger sums equal every stock level; exit 1 and list differences if not."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from parts.selectors import ledger_differences


class Command(BaseCommand):
    help = "Check that sum(on_hand_delta) and sum(reserved_delta) of the ledger equal every stock level."

    def handle(self, *args, **options) -> None:
        diffs = ledger_differences()
        if not diffs:
            self.stdout.write(self.style.SUCCESS("ledger OK: every stock level equals its movement sums"))
            return
        for d in diffs:
            self.stdout.write(
                f"{d['part']} @ {d['location']}: on_hand {d['on_hand']} vs ledger {d['ledger_on_hand']}, "
                f"reserved {d['reserved']} vs ledger {d['ledger_reserved']}"
            )
        raise CommandError(f"{len(diffs)} stock level(s) differ from the ledger")
