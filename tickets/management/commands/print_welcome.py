from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.demo import DEMO_USERS


class Command(BaseCommand):
    help = "Print the URLs and the demo logins (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        base = f"http://127.0.0.1:{options['port']}"
        lines = [
            "",
            "售后工单 is starting:",
            f"  staff back office (admin)  {base}/admin/",
            f"  customer: report a fault   {base}/submit/",
            f"  customer: track a ticket   {base}/track/",
            f"  self-help                  {base}/help/",
            f"  technician API docs        {base}/api/docs/",
            "  e-mail intake (SMTP)       127.0.0.1:8025, to service@example.com",
        ]
        if getattr(settings, "DEMO_MODE", False):
            names = [u for u, _role, _n in DEMO_USERS] + [f"tech{i}" for i in range(1, 6)]
            lines += ["", f"demo logins (password {settings.DEMO_PASSWORD}):", "  " + ", ".join(names), ""]
        self.stdout.write("\n".join(lines))
