"""The technician's day: 10 technicians × 12 visits each, ordered into routes that respect the
customers' two-hour windows with OR-Tools (goal: all ten days solved in under 2 s).

Run: ``.venv/bin/python -m tests.bench.bench_route``

Pure solver work, no database: each technician starts at a centre in Shanghai and has 12 customers
of the district scattered within ~5 km, spread over the five windows of the day (09–11 … 17–19),
25 minutes on site (quick on-site jobs: a day of 12 visits is a full one). Travel times are the local map provider's (great-circle distance × road factor at city
speed), built once per day as the live planner does. Prints the total and per-day times, the
kilometres against visiting in booking order, and how many visits fall outside their window.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time

N_TECHS = 10
N_VISITS = 12
CENTRE = (31.2304, 121.4737)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from repairs.scheduling.maps import LocalProvider, Point
    from repairs.scheduling.route import Stop, _in_window_order, solve

    rng = random.Random(18)
    provider = LocalProvider()
    days = []
    for _t in range(N_TECHS):
        centre = Point(CENTRE[0] + rng.uniform(-0.1, 0.1), CENTRE[1] + rng.uniform(-0.1, 0.1))
        places = [centre]
        stops = []
        for k in range(N_VISITS):
            angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 5) / 111
            places.append(Point(centre.latitude + radius * math.sin(angle),
                                centre.longitude + radius * math.cos(angle) / math.cos(math.radians(31))))
            window = rng.randrange(5)
            stops.append(Stop(key=k, window_start=(9 + 2 * window) * 60, window_end=(11 + 2 * window) * 60,
                              service=25))
        days.append((places, stops))

    # warm-up: the first call loads the OR-Tools extension
    places, stops = days[0]
    solve(start_minute=9 * 60, stops=stops, matrix=provider.matrix(places, places))

    timings, km, naive_km, late, naive_late = [], 0.0, 0.0, 0, 0
    for places, stops in days:
        t0 = time.perf_counter()
        matrix = provider.matrix(places, places)
        plan = solve(start_minute=9 * 60, stops=stops, matrix=matrix)
        timings.append(time.perf_counter() - t0)
        km += plan.km
        late += sum(1 for s in plan.stops if s.late)
        naive = _in_window_order(start_minute=9 * 60, stops=stops, matrix=matrix)
        naive_km += naive.km
        naive_late += sum(1 for s in naive.stops if s.late)
        assert len(plan.stops) == N_VISITS
    total = sum(timings)
    print(f"{N_TECHS} technicians × {N_VISITS} visits: {total:.3f} s in all "
          f"(goal < 2 s) — per day median {statistics.median(timings) * 1000:.0f} ms, "
          f"max {max(timings) * 1000:.0f} ms")
    print(f"route length {km:.1f} km vs {naive_km:.1f} km visiting window by window in booking order "
          f"({(1 - km / naive_km) * 100:.0f} % shorter); late visits {late} (booking order: {naive_late})")


if __name__ == "__main__":
    main()
