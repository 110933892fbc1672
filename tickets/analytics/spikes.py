"""Fault-spike detection: a product model's reports of one fault rising faster than chance explains.

The test, per product model × fault category, on the rollup's tickets created per calendar week (Monday
to Sunday, local time):

- the week tested is the last complete week; its baseline λ is the mean of the 8 weeks before it, floored
  at ``MIN_BASELINE`` so that a fault never seen before needs more than one or two reports to stand out;
- under "nothing changed" the week's count follows Poisson(λ); the p-value is the upper tail
  P(X ≥ count | λ) = 1 − Σ_{i<count} e^{−λ} λ^i / i!;
- an alert is raised when p < ``P_THRESHOLD`` (0.01) and count ≥ ``MIN_COUNT`` (5).

An alert is stored once per model × fault × week with its tickets as evidence, shown to the product-quality
role on the back office home and the spike page, and mailed to them through the outbox.
"""

from __future__ import annotations

import datetime as dt
import math

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ..models import Ticket
from ..outbox.services import outbox_notify_staff
from ..outbox.templates import register_default
from ..roles import PRODUCT_QUALITY
from .models import FaultSpikeAlert, TicketDailyRollup

BASELINE_WEEKS = 8
P_THRESHOLD = 0.01
MIN_COUNT = 5
MIN_BASELINE = 0.5
EVIDENCE_LIMIT = 200
EVENT = "analytics.fault_spike"

for _channel in ("email", "sms"):
    register_default(
        EVENT, channel=_channel,
        zh_subject="【故障突增】{{ model }} · {{ fault }}：{{ count }} 单（基线 {{ baseline }}）",
        zh_body="{{ week }} 当周 {{ model }} 的「{{ fault }}」报修 {{ count }} 单，前 8 周平均 {{ baseline }} 单，"
                "泊松检验 p={{ p_value }}。请在后台「故障突增预警」查看证据工单：{{ url }}",
        en_subject="[Fault spike] {{ model }} · {{ fault }}: {{ count }} tickets (baseline {{ baseline }})",
        en_body="Week of {{ week }}: {{ count }} tickets of {{ fault }} on {{ model }} against a mean of "
                "{{ baseline }} over 8 weeks, Poisson p={{ p_value }}. Evidence: {{ url }}",
    )


def poisson_upper_tail(count: int, lam: float) -> float:
    """P(X ≥ count) for X ~ Poisson(lam), summed in log space so large counts do not overflow."""
    if count <= 0:
        return 1.0
    below = sum(math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1)) for i in range(count))
    return max(0.0, 1.0 - below)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def spike_candidates(*, today: dt.date) -> list[dict]:
    """Every model × fault whose last complete week passes the test, with its figures (reads the rollup)."""
    tested = week_start(today) - dt.timedelta(days=7)
    first = tested - dt.timedelta(days=7 * BASELINE_WEEKS)
    weekly: dict[tuple[int, int], dict[dt.date, int]] = {}
    rows = (TicketDailyRollup.objects.filter(day__gte=first, day__lt=tested + dt.timedelta(days=7),
                                             product_model_id__isnull=False, fault_category_id__isnull=False)
            .values("product_model_id", "fault_category_id", "day").annotate(n=Sum("created")))
    for row in rows:
        key = (row["product_model_id"], row["fault_category_id"])
        week = week_start(row["day"])
        weekly.setdefault(key, {})
        weekly[key][week] = weekly[key].get(week, 0) + row["n"]
    found = []
    for (model_id, fault_id), weeks in weekly.items():
        count = weeks.get(tested, 0)
        if count < MIN_COUNT:
            continue
        history = [weeks.get(first + dt.timedelta(days=7 * i), 0) for i in range(BASELINE_WEEKS)]
        baseline = sum(history) / BASELINE_WEEKS
        p_value = poisson_upper_tail(count, max(baseline, MIN_BASELINE))
        if p_value < P_THRESHOLD:
            found.append({"product_model_id": model_id, "fault_category_id": fault_id, "week_start": tested,
                          "count": count, "baseline": round(baseline, 2), "p_value": p_value})
    return found


def spikes_detect(*, now: dt.datetime | None = None) -> list[FaultSpikeAlert]:
    """Raise an alert for each new spike (at most one per model × fault × week) and notify product quality."""
    now = now or timezone.now()
    raised = []
    tz = timezone.get_current_timezone()
    for spike in spike_candidates(today=timezone.localdate(now)):
        start = dt.datetime.combine(spike["week_start"], dt.time.min, tzinfo=tz)
        evidence = list(Ticket.objects.filter(
            product_model_id=spike["product_model_id"], fault_category_id=spike["fault_category_id"],
            created_at__gte=start, created_at__lt=start + dt.timedelta(days=7)).order_by("created_at")
            .values_list("pk", flat=True)[:EVIDENCE_LIMIT])
        with transaction.atomic():
            alert, created = FaultSpikeAlert.objects.get_or_create(
                product_model_id=spike["product_model_id"], fault_category_id=spike["fault_category_id"],
                week_start=spike["week_start"],
                defaults={"count": spike["count"], "baseline": spike["baseline"], "p_value": spike["p_value"],
                          "ticket_ids": evidence})
            if not created:
                continue
            _notify(alert)
        raised.append(alert)
    return raised


def _notify(alert: FaultSpikeAlert) -> None:
    from django.conf import settings
    from django.urls import reverse

    users = list(get_user_model().objects.filter(groups__name=PRODUCT_QUALITY, is_active=True))
    url = settings.SITE_URL.rstrip("/") + reverse("admin:analytics_spikes")
    context = {"model": str(alert.product_model), "fault": str(alert.fault_category), "count": alert.count,
               "baseline": alert.baseline, "p_value": f"{alert.p_value:.2g}", "week": alert.week_start.isoformat(),
               "url": url}
    outbox_notify_staff(event=EVENT, users=users, context=context, idempotency_key=f"spike:{alert.pk}")
