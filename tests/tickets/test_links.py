"""Absolute links follow the address the server really serves: SITE_URL when set, otherwise the web
port that `make run` / the Procfile hand to every process (web, worker, mail intake)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from honcho.environ import expand_processes, parse_procfile

from tests import factories
from tickets.links import site_url
from tickets.outbox.services import outbox_enqueue

ROOT = Path(__file__).resolve().parents[2]


def test_site_url_uses_site_url_setting(settings):
    settings.SITE_URL = "https://service.example.com/"
    assert site_url("/t/abc/") == "https://service.example.com/t/abc/"
    assert site_url("t/abc/") == "https://service.example.com/t/abc/"
    assert site_url() == "https://service.example.com/"


def test_site_url_without_setting_follows_the_served_port(settings):
    settings.SITE_URL = ""
    settings.PORT, settings.BIND_HOST = 8101, "127.0.0.1"
    assert site_url("/t/abc/") == "http://127.0.0.1:8101/t/abc/"
    settings.BIND_HOST = "0.0.0.0"  # a wildcard bind is reached on the loopback address
    assert site_url("/x/") == "http://127.0.0.1:8101/x/"


@pytest.mark.django_db
def test_message_links_point_at_the_served_port(settings):
    settings.SITE_URL = ""
    settings.PORT = 8101
    customer = factories.CustomerFactory()
    ticket = factories.TicketFactory(customer=customer)
    [sms] = outbox_enqueue(event="ticket.created", customer=customer, ticket=ticket, context={}, channels=["sms"])
    assert f"http://127.0.0.1:8101{ticket.get_tracking_url()}" in sms.body
    assert ":8000" not in sms.body


def _resolved_port(cmd: str, env: dict[str, str]) -> str:
    """Run a Procfile command's shell prefix as honcho would, with the program replaced by a probe that
    loads the settings and prints where links point."""
    program = cmd.index(".venv/bin/")
    probe = (f"{sys.executable} -c 'import django; django.setup(); "
             f"from tickets.links import site_url; print(site_url())'")
    full_env = {k: v for k, v in os.environ.items() if k not in {"PORT", "WEB_PORT", "SITE_URL", "MAIL_PORT"}}
    full_env.update(env, DJANGO_SETTINGS_MODULE="config.settings.test")
    out = subprocess.run(cmd[:program] + probe, shell=True, env=full_env, cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("app_env", [
    {"PORT": "8101", "WEB_PORT": "8101", "MAIL_PORT": "8125"},  # what `make run PORT=8101` exports
    {"PORT": "8101"},  # `honcho start` run by hand
])
def test_every_procfile_process_links_to_the_web_port(app_env):
    procfile = parse_procfile((ROOT / "Procfile").read_text())
    processes = {p.name.split(".")[0]: p for p in expand_processes(procfile.processes, env=app_env)}
    assert "-p ${WEB_PORT:-${PORT:-8000}}" in processes["web"].cmd
    assert processes["worker"].env["PORT"] == "8201"  # honcho's own offset, which must not leak into links
    for name in ("worker", "mail"):
        assert _resolved_port(processes[name].cmd, processes[name].env) == "http://127.0.0.1:8101/", name


def test_banner_prints_the_real_ports_and_every_city_technician(settings):
    settings.PORT, settings.MAIL_PORT, settings.SITE_URL, settings.DEMO_MODE = 8101, 8125, "", True
    out = StringIO()
    call_command("print_welcome", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8101/admin/" in text
    assert "127.0.0.1:8125" in text
    assert "8025" not in text
    shanghai = next(line for line in text.splitlines() if "上海市" in line)
    assert "tech7" in shanghai
