from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Web requests get the short database statement timeout (config.db).
os.environ.setdefault("SHOUHOU_PROCESS", "web")
application = get_wsgi_application()
