from __future__ import annotations

from django.core.management.base import BaseCommand

from tickets.roles import roles_sync


class Command(BaseCommand):
    help = "Create or update the staff role groups and their permissions."

    def handle(self, *args, **options):
        roles_sync()
        self.stdout.write(self.style.SUCCESS("roles synced"))
