"""Run the e-mail intake SMTP server (aiosmtpd): mail to the service mailbox becomes tickets."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行报修邮件接收服务（SMTP）：发往服务邮箱的邮件自动生成工单或追加到工单。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--mailbox", action="append", dest="mailboxes",
                            help="accepted recipient address (repeatable); default: INTAKE_MAILBOXES setting "
                                 "or the DEFAULT_FROM_EMAIL address")

    def handle(self, *args, host: str, port: int, mailboxes: list[str] | None, **options):
        from aiosmtpd.controller import Controller

        from tickets.intake.email import IntakeSMTPHandler

        handler = IntakeSMTPHandler(mailboxes)
        controller = Controller(handler, hostname=host, port=port, enable_SMTPUTF8=True,
                                data_size_limit=64 * 1024 * 1024)
        controller.start()
        self.stdout.write(f"mail intake listening on {host}:{port} for {', '.join(handler.mailboxes)}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
