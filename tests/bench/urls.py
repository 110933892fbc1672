"""The product's URLs plus the bare baseline under /bench/ and the API benchmark's own endpoints
under /api/bench/; used only by servers a benchmark starts (``tests.bench.settings``)."""

from __future__ import annotations

from django.urls import include, path

from config.urls import urlpatterns as product

from .bare import urlpatterns as bare
from .bench_api import bench_urlpatterns

urlpatterns = [path("bench/", include(bare)), path("api/bench/", include(bench_urlpatterns())), *product]
