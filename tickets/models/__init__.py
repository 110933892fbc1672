"""Models of the hub. ``core`` holds the ticket and its parties; feature modules add their own.

Each feature module is owned by one feature (intake, sla, outbox, api, progress); this file only
collects them so Django finds every model under the ``tickets`` app label.
"""

from .analytics import *  # noqa: F403
from .api import *  # noqa: F403
from .core import *  # noqa: F403
from .core import _new_tracking_token  # noqa: F401  (referenced by migration 0001)
from .dispatch import *  # noqa: F403
from .intake import *  # noqa: F403
from .jobs import *  # noqa: F403
from .otp import *  # noqa: F403
from .outbox import *  # noqa: F403
from .progress import *  # noqa: F403
from .sla import *  # noqa: F403
