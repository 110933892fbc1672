"""The README tells a newcomer the truth: ports, SITE_URL, every city's technician logins, e2e needs."""

from __future__ import annotations

import re
from pathlib import Path

from tickets.demo import demo_technician_logins

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_names_ports_and_site_url():
    for name in ("`PORT`", "`MAIL_PORT`", "`SITE_URL`"):
        assert name in README, name


def test_readme_lists_each_citys_technicians():
    for city, logins in demo_technician_logins():
        row = next((line for line in README.splitlines() if line.startswith(f"| {city.rstrip('市')} |")), None)
        assert row is not None, city
        numbers = {int(n) for n in re.findall(r"tech(\d+)", row)}
        expected = {int(login[4:]) for login in logins}
        assert min(expected) in numbers, (city, row)
        assert max(expected) in numbers, (city, row)


def test_readme_keeps_two_setup_commands_and_says_what_e2e_needs():
    block = README[README.index("```sh"):]
    block = block[:block.index("```", 5)]
    assert [line.split()[0:2] for line in block.splitlines()[1:] if line.strip()] == [["make", "run"], ["make", "test"]]
    assert "apt-get install -y chromium fonts-noto-cjk" in README
