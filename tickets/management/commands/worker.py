"""Run the django-q2 cluster so that SIGTERM or SIGINT stops it cleanly, whoever sends it.

``manage.py qcluster`` stops cleanly only when the signal reaches its main process alone. Process
managers that signal a whole process group (honcho and foreman on Ctrl-C or SIGTERM, systemd's
default ``KillMode=control-group``) also hit the cluster's sentinel, which django-q2 leaves on the
default SIGTERM action: it dies at once, possibly holding the lock of the stop event it shares with
the main process. The main process's own handler then blocks for ever on that lock, retrying after
every further SIGTERM or SIGINT, and the tasks the workers were running are cut off.

This command starts ``qcluster`` in a session of its own, where group signals cannot reach it, and
forwards SIGTERM and SIGINT to its main process only; the cluster then finishes the running tasks,
stops its workers and exits, and so does this command, with the cluster's exit status.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the task queue worker (django-q2 qcluster) with clean shutdown on SIGTERM/SIGINT."

    def handle(self, *args: Any, **options: Any) -> None:
        manage = Path(settings.BASE_DIR) / "manage.py"
        child = subprocess.Popen([sys.executable, str(manage), "qcluster"], start_new_session=True)

        def forward(signum: int, frame: Any) -> None:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGHUP, forward)
        code = child.wait()
        sys.exit(code if code >= 0 else 128 - code)
