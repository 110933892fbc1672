"""Domain signals of the hub, sent by services after commit (never from post_save, which bulk imports skip and admin imports fire twice).

Receivers live in the other apps and are connected in their ``AppConfig.ready``.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after a ticket transition has committed.
#: kwargs: ticket_id (int), transition (str), from_state (str), to_state (str), actor_id (int | None)
ticket_transitioned = Signal()

#: Sent after a ticket was created and committed. kwargs: ticket_id (int)
ticket_created = Signal()

#: Sent after a ticket's category was set or changed (triage, an agent's correction) and committed.
#: kwargs: ticket_id (int), category_code (str), previous_code (str | None), actor_id (int | None)
ticket_categorized = Signal()
