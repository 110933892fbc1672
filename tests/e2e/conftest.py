"""Fixtures of the browser tests: Debian's chromium driven by Playwright, screenshots in test-artifacts/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary blocking calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
#: The customer pages need DEBUG static serving (whitenoise with finders) and no collectstatic step.
#: It shares the test process's secret: SMS one-time codes are derived from it, and the test reads the
#: code the gateway would send to the customer's phone.
PAGE_SERVER_ENV = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "true",
                   "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECRET_KEY": settings.SECRET_KEY}


@pytest.fixture(scope="session")
def playwright_driver():
    """The one Playwright driver of the run: the sync API refuses a second one in the same thread."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser):
    """A 390×844 touch phone (an iPhone 12-14 sized viewport) in Chinese."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
