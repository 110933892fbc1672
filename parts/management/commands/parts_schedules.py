"""Create or update the parts app's django-q2 schedules (also done after every migrate)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from parts.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of the parts app (idempotent)."

    def handle(self, *args, **options) -> None:
        for schedule in schedules_ensure():
            self.stdout.write(f"{schedule.name}: {schedule.func} next {schedule.next_run}")
