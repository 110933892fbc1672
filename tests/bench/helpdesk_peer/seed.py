"""Run in the peer's virtualenv after migrate: a queue and an admin with an API token; prints
``<queue id> <token>``."""

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

queue, _ = Queue.objects.get_or_create(slug="bench", defaults={"title": "Bench"})
user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
print(queue.pk, Token.objects.get_or_create(user=user)[0].key)
