"""The technicians' app as Django serves it: shell, manifest, icons, service worker, size budget."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from repairs.app.assets import FIRST_LOAD, ICONS, LAZY, asset_path
from repairs.app.size import BUDGET_BYTES, first_load, module_graph
from repairs.app.views import catalogue_url

pytestmark = pytest.mark.django_db


def test_every_app_url_answers_with_the_shell_without_inline_script(client):
    for path in ("/app/", "/app/anything/deeper"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'type="module"' in html
        assert "/static/technician/app.js" in html
        assert response["Cache-Control"].startswith("max-age=0")
        # The CSP allows no inline script: every <script> has a src.
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
        assert "cdn" not in html.lower()


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/app/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["start_url"] == "/app/"
    assert data["scope"] == "/app/"
    assert data["display"] == "standalone"
    assert data["name"] == "售后工单·工程师"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


@pytest.mark.parametrize("name", ICONS)
def test_icons_are_committed_pngs_of_their_size(name):
    with Image.open(asset_path(name)) as image:
        assert image.format == "PNG"
        assert str(image.width) in name
        assert image.width == image.height


def test_the_service_worker_precaches_the_shell_and_its_files_under_the_app_scope(client):
    response = client.get("/app/sw.js")
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/app/"
    body = response.content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", body).group(1))
    assert "/app/" in precache
    assert catalogue_url("zh-hans") in precache
    for name in FIRST_LOAD:
        assert f"/static/{name}" in precache
    assert "jsQR" not in json.dumps(precache)  # fetched (and cached) only when needed
    assert re.search(r'const VERSION = "[0-9a-f]{12}"', body)


def test_first_load_lists_exactly_the_modules_the_entry_imports():
    js = {n for n in FIRST_LOAD if n.endswith(".js")}
    assert module_graph() == js


def test_first_load_stays_under_the_budget(client):
    catalogue = client.get(catalogue_url("zh-hans")).content
    total = sum(a.gzipped for a in first_load({"jsi18n": catalogue}))
    assert total < BUDGET_BYTES, total


def test_the_qr_fallback_is_vendored_with_its_version_and_licence():
    (name,) = LAZY
    path = asset_path(name)
    assert "jsQR" in path.read_text(encoding="utf-8")[:2000]
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert "1.4.0" in readme
    assert "Apache-2.0" in readme
    assert (path.parent / "jsQR.LICENSE").exists()
