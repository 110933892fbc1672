from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.demo import DEMO_USERS, demo_technician_logins
from tickets.links import site_base


class Command(BaseCommand):
    help = "Print the URLs and the demo logins (used by `make run`)."

    def add_arguments(self, parser):
        # Defaults come from the same PORT / MAIL_PORT / BIND_HOST the Procfile hands to the processes.
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--mail-port", type=int, default=None)

    def handle(self, *args, **options):
        port = options["port"] or settings.PORT
        mail_port = options["mail_port"] or settings.MAIL_PORT
        host = settings.BIND_HOST if settings.BIND_HOST not in ("", "0.0.0.0", "::") else "127.0.0.1"
        base = f"http://{host}:{port}"
        lines = [
            "",
            "售后工单 is starting:",
            f"  staff back office (admin)  {base}/admin/",
            f"  customer: report a fault   {base}/submit/",
            f"  customer: track a ticket   {base}/track/",
            f"  self-help                  {base}/help/",
            f"  technicians' phone app     {base}/app/  (install it from the browser menu)",
            f"  technician API docs        {base}/api/docs/",
            f"  e-mail intake (SMTP)       {host}:{mail_port}, to service@example.com",
            f"  links in messages          {site_base()}/  (SITE_URL)",
        ]
        if getattr(settings, "DEMO_MODE", False):
            names = [u for u, _role, _n in DEMO_USERS]
            lines += ["", f"demo logins (password {settings.DEMO_PASSWORD}):", "  " + ", ".join(names)]
            lines += ["  technicians, by city:"]
            for city, logins in demo_technician_logins():
                lines.append(f"    {city:<6} {', '.join(logins)}")
            lines.append("")
        self.stdout.write("\n".join(lines))
