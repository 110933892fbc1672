from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets import demo
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Create realistic Chinese demo data and the demo logins (idempotent; never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="do nothing if the demo was already seeded")
        parser.add_argument("--tickets", type=int, default=320)

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_MODE", False):
            raise CommandError("seed_demo is refused in production mode (DEMO_MODE is off).")
        from django.contrib.auth import get_user_model

        if options["once"] and get_user_model().objects.filter(username="admin").exists() and \
                Ticket.objects.count() >= options["tickets"]:
            self.stdout.write("demo data already present")
            return
        self.stdout.write("seeding demo data …")
        demo.seed_all(stdout=self.stdout, tickets=options["tickets"])
        self.stdout.write(self.style.SUCCESS("demo data ready"))
