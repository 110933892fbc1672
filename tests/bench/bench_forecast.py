"""Back-test of the weekly demand forecast on generated history with a yearly seasonal pattern.

Run: .venv/bin/python -m tests.bench.bench_forecast

Generates 3 years (156 weeks) of weekly consumption per series: level × (1 + trend) × a yearly
season (a smooth wave plus a Spring-Festival dip and a summer peak for cooling parts) with Poisson-like
noise, for busy and slow parts. Each method is scored by a rolling-origin back-test over the last 26
weeks (one-step-ahead and four-weeks-ahead). "auto" picks a method per series by a back-test on the data
*before* the test window and is scored on the window; "product" is the fixed order the product uses
(``parts.forecast.PREFERRED_METHODS``: seasonal-adjusted SES with two seasons of history, else SES).
"""

from __future__ import annotations

import math
import random
import statistics
import time

from parts.forecast import METHODS, PREFERRED_METHODS, backtest, compare_methods

SEASON = 52
WEEKS = 156
TEST = 26


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def series(seed: int, level: float, trend: float, amplitude: float, summer: bool) -> list[float]:
    rng = random.Random(seed)
    out = []
    for t in range(WEEKS):
        week = t % SEASON
        season = 1 + amplitude * math.sin(2 * math.pi * week / SEASON)
        if week in (5, 6):  # Spring Festival: shops closed, fewer repairs
            season *= 0.45
        if summer and 24 <= week <= 34:  # air-conditioner compressors and fans in summer
            season *= 1.8
        out.append(float(poisson(rng, level * (1 + trend * t) * season)))
    return out


def dataset() -> list[tuple[str, list[float]]]:
    specs = [
        ("phone screen, busy", 40, 0.002, 0.25, False),
        ("phone battery, busy", 30, 0.003, 0.2, False),
        ("laptop keyboard", 12, 0.0, 0.3, False),
        ("tv panel", 6, -0.001, 0.35, False),
        ("ac compressor", 10, 0.001, 0.1, True),
        ("fridge control board", 8, 0.0, 0.2, True),
        ("washer motor", 5, 0.0, 0.25, False),
        ("slow mainboard", 3, 0.0, 0.3, False),
    ]
    return [(f"{name} #{k}", series(seed=100 * i + k, level=lvl, trend=tr, amplitude=amp, summer=s))
            for i, (name, lvl, tr, amp, s) in enumerate(specs) for k in range(2)]


def auto_score(values: list[float], horizon: int) -> tuple[str, float, float | None]:
    """Choose on data before the test window (as the product would have), score on the window."""
    train = values[:-TEST]
    chosen = compare_methods(train, season=SEASON, test_weeks=TEST, horizon=horizon)[0].method
    result = backtest(values, chosen, season=SEASON, test_weeks=TEST, horizon=horizon)
    return chosen, result.mae, result.mape


def product_score(values: list[float], horizon: int) -> tuple[float, float | None]:
    """The product's rule (PREFERRED_METHODS, first one the history allows), scored on the window."""
    method = next(m for m in PREFERRED_METHODS if len(values) - TEST >= METHODS[m][1](SEASON) or m == "ses")
    result = backtest(values, method, season=SEASON, test_weeks=TEST, horizon=horizon)
    return result.mae, result.mape


def main() -> None:
    data = dataset()
    started = time.perf_counter()
    for horizon in (1, 4):
        per_method: dict[str, list] = {name: [] for name in [*METHODS, "auto", "product"]}
        chosen_counts: dict[str, int] = {}
        for _name, values in data:
            for method in METHODS:
                r = backtest(values, method, season=SEASON, test_weeks=TEST, horizon=horizon)
                per_method[method].append((r.mae, r.mape, statistics.mean(values[-TEST:])))
            chosen, mae, mape = auto_score(values, horizon)
            chosen_counts[chosen] = chosen_counts.get(chosen, 0) + 1
            per_method["auto"].append((mae, mape, statistics.mean(values[-TEST:])))
            per_method["product"].append((*product_score(values, horizon), statistics.mean(values[-TEST:])))
        print(f"\nhorizon {horizon} week(s) ahead, {len(data)} series x {WEEKS} weeks, "
              f"rolling back-test over the last {TEST} weeks")
        print(f"{'method':<16}{'MAE':>8}{'MAPE %':>9}{'WAPE %':>9}")
        for method, rows in per_method.items():
            mae = statistics.mean(r[0] for r in rows)
            mape = statistics.mean(r[1] for r in rows if r[1] is not None)
            wape = 100 * sum(r[0] for r in rows) / sum(r[2] for r in rows)
            print(f"{method:<16}{mae:>8.2f}{mape:>9.1f}{wape:>9.1f}")
        print("auto (per-series pick) chose: " + ", ".join(f"{k} x{v}" for k, v in sorted(chosen_counts.items())))
    print(f"\nshort history: only the last 78 weeks of each series (seasonal methods need {2 * SEASON})")
    print(f"{'method':<16}{'MAE':>8}{'MAPE %':>9}")
    for method in ("naive", "ses", "holt", "product"):
        rows = []
        for _name, values in data:
            short = values[-78:]
            if method == "product":
                rows.append(product_score(short, 1))
            else:
                r = backtest(short, method, season=SEASON, test_weeks=TEST)
                rows.append((r.mae, r.mape))
        print(f"{method:<16}{statistics.mean(r[0] for r in rows):>8.2f}"
              f"{statistics.mean(r[1] for r in rows if r[1] is not None):>9.1f}")
    print(f"\nelapsed {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
