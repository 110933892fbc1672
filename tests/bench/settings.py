"""Settings of the servers the benchmarks start: the deployable settings with DEBUG off (cached
templates, no query log) plus the benchmark URLs. ``config.settings.production`` adds only TLS
cookies, HSTS and the keys of the live payment and courier gateways, none of which is on the
measured paths (and which a benchmark cannot hold)."""

from __future__ import annotations

from config.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "tests.bench.urls"

# One technician's token asks for the job list thousands of times a second here; the throttle still
# runs on every request (its cost is measured), but at a rate no benchmark reaches, so it answers the
# list instead of 429.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {  # noqa: F405
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "100000000/min"}}  # noqa: F405
