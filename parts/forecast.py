"""Weekly demand forecasting in pure Python: a few classic methods and a rolling-origin back-test.

Methods (each fits its smoothing parameters by grid search on one-step in-sample squared error):
- ``naive``: last week's value;
- ``seasonal_naive``: the value one season ago;
- ``ses``: simple exponential smoothing;
- ``holt``: Holt's linear trend (damped);
- ``holt_winters``: additive Holt-Winters with a weekly season of ``season`` weeks.
``choose_method`` back-tests every method that has enough history and returns the one with the
lowest MAE, with its MAE and MAPE.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

GRID = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
GRID_SEASONAL = (0.05, 0.1, 0.2, 0.4)
DAMPING = 0.95


def _sse(errors: Sequence[float]) -> float:
    return sum(e * e for e in errors)


def naive(history: Sequence[float], horizon: int, season: int) -> list[float]:
    return [float(history[-1])] * horizon


def seasonal_naive(history: Sequence[float], horizon: int, season: int) -> list[float]:
    return [float(history[len(history) - season + (h % season)]) for h in range(horizon)]


def _ses_run(history: Sequence[float], alpha: float) -> tuple[float, float]:
    level = float(history[0])
    sse = 0.0
    for y in history[1:]:
        sse += (y - level) ** 2
        level = alpha * y + (1 - alpha) * level
    return level, sse


def ses(history: Sequence[float], horizon: int, season: int) -> list[float]:
    best = min(GRID, key=lambda a: _ses_run(history, a)[1])
    level, _ = _ses_run(history, best)
    return [level] * horizon


def _holt_run(history: Sequence[float], alpha: float, beta: float) -> tuple[float, float, float]:
    level, trend = float(history[0]), float(history[1] - history[0])
    sse = 0.0
    for y in history[1:]:
        forecast = level + DAMPING * trend
        sse += (y - forecast) ** 2
        new_level = alpha * y + (1 - alpha) * forecast
        trend = beta * (new_level - level) + (1 - beta) * DAMPING * trend
        level = new_level
    return level, trend, sse


def holt(history: Sequence[float], horizon: int, season: int) -> list[float]:
    alpha, beta = min(((a, b) for a in GRID for b in GRID_SEASONAL),
                      key=lambda p: _holt_run(history, *p)[2])
    level, trend, _ = _holt_run(history, alpha, beta)
    out, damp = [], 0.0
    for h in range(1, horizon + 1):
        damp += DAMPING ** h
        out.append(level + damp * trend)
    return out


def _hw_init(history: Sequence[float], season: int) -> tuple[float, float, list[float]]:
    first = sum(history[:season]) / season
    second = sum(history[season:2 * season]) / season
    trend = (second - first) / season
    seasonals = [history[i] - first for i in range(season)]
    return first, trend, seasonals


def _hw_run(history: Sequence[float], season: int, alpha: float, beta: float,
            gamma: float) -> tuple[float, float, list[float], float]:
    level, trend, seasonals = _hw_init(history, season)
    seasonals = list(seasonals)
    sse = 0.0
    for t in range(season, len(history)):
        y = history[t]
        s = seasonals[t % season]
        forecast = level + trend + s
        sse += (y - forecast) ** 2
        new_level = alpha * (y - s) + (1 - alpha) * (level + trend)
        trend = beta * (new_level - level) + (1 - beta) * trend
        seasonals[t % season] = gamma * (y - new_level) + (1 - gamma) * s
        level = new_level
    return level, trend, seasonals, sse


def holt_winters(history: Sequence[float], horizon: int, season: int) -> list[float]:
    params = min(((a, b, g) for a in GRID for b in (0.01, 0.05) for g in GRID_SEASONAL),
                 key=lambda p: _hw_run(history, season, *p)[3])
    level, trend, seasonals, _ = _hw_run(history, season, *params)
    n = len(history)
    return [level + h * trend + seasonals[(n + h - 1) % season] for h in range(1, horizon + 1)]


METHODS: dict[str, tuple[Callable[[Sequence[float], int, int], list[float]], Callable[[int], int]]] = {
    # name -> (forecast function, minimum history length for a given season length)
    "naive": (naive, lambda m: 1),
    "seasonal_naive": (seasonal_naive, lambda m: m),
    "ses": (ses, lambda m: 2),
    "holt": (holt, lambda m: 3),
    "holt_winters": (holt_winters, lambda m: 2 * m + 1),
}


@dataclass(frozen=True)
class BacktestResult:
    method: str
    mae: float
    mape: float | None
    points: int


def backtest(series: Sequence[float], method: str, *, season: int, test_weeks: int,
             horizon: int = 1) -> BacktestResult | None:
    """Rolling-origin back-test: refit at each of the last ``test_weeks`` origins, score ``horizon``-ahead.

    MAPE skips zero-demand weeks (undefined there); it is None when every actual was zero.
    """
    func, min_len = METHODS[method]
    need = min_len(season)
    abs_errors, pct_errors = [], []
    start = len(series) - test_weeks - horizon + 1
    for origin in range(max(start, need), len(series) - horizon + 1):
        forecast = func(series[:origin], horizon, season)[horizon - 1]
        actual = series[origin + horizon - 1]
        forecast = max(forecast, 0.0)
        abs_errors.append(abs(actual - forecast))
        if actual:
            pct_errors.append(abs(actual - forecast) / abs(actual))
    if not abs_errors:
        return None
    mape = 100 * sum(pct_errors) / len(pct_errors) if pct_errors else None
    return BacktestResult(method, sum(abs_errors) / len(abs_errors), mape, len(abs_errors))


def compare_methods(series: Sequence[float], *, season: int = 52, test_weeks: int = 26,
                    horizon: int = 1) -> list[BacktestResult]:
    """Back-test every method with enough history; best (lowest MAE) first."""
    results = []
    for name, (_func, min_len) in METHODS.items():
        if len(series) - test_weeks < min_len(season) or len(series) <= test_weeks:
            continue
        result = backtest(series, name, season=season, test_weeks=test_weeks, horizon=horizon)
        if result is not None:
            results.append(result)
    results.sort(key=lambda r: (r.mae, r.method))
    return results


@dataclass(frozen=True)
class Forecast:
    method: str
    weekly: float
    mae: float | None
    mape: float | None
    sigma: float
    history_weeks: int


def forecast_weekly_demand(series: Sequence[float], *, season: int = 52, horizon: int = 1) -> Forecast:
    """Forecast next week's demand with the method that back-tests best on this very series.

    Short series fall back to the mean (fewer than 4 weeks) or SES; the back-test window is a quarter of
    the history (at most 26 weeks). ``sigma`` is the back-test MAE × 1.25 (≈ the error's std. deviation).
    """
    n = len(series)
    if n == 0:
        return Forecast("none", 0.0, None, None, 0.0, 0)
    if n < 4:
        mean = sum(series) / n
        return Forecast("mean", mean, None, None, math.sqrt(mean), n)
    test_weeks = max(2, min(26, n // 4))
    results = compare_methods(series, season=season, test_weeks=test_weeks, horizon=horizon)
    best = results[0] if results else BacktestResult("ses", 0.0, None, 0)
    weekly = max(METHODS[best.method][0](series, horizon, season)[horizon - 1], 0.0)
    sigma = 1.25 * best.mae if results else math.sqrt(max(weekly, 0.0))
    return Forecast(best.method, weekly, best.mae if results else None, best.mape, sigma, n)


def reorder_suggestion(*, forecast: Forecast, lead_time_days: int, available: int, in_transit: int,
                       review_weeks: float = 1.0, service_z: float = 1.65) -> tuple[int, int, int]:
    """(safety stock, reorder point, order quantity) for a periodic review with lead time.

    Reorder point = demand over the lead time + safety stock (z·σ·√L); the order tops the position
    (available + in transit) up to the reorder point plus one review period of demand.
    """
    lead_weeks = max(lead_time_days, 0) / 7
    safety = math.ceil(service_z * forecast.sigma * math.sqrt(max(lead_weeks, 1 / 7)))
    reorder_point = math.ceil(forecast.weekly * lead_weeks) + safety
    target = reorder_point + math.ceil(forecast.weekly * review_weeks)
    order_qty = max(0, target - available - in_transit)
    return safety, reorder_point, order_qty
