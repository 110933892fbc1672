"""Durations as fixed-bucket histograms: mergeable by adding counts, so a year's median and P90 are read from
a few hundred summed rows instead of a million minute values.

The buckets are log-linear over whole minutes. Below ``EXACT`` minutes (128, just over two hours: every
first response within a usual SLA) each minute is its own bucket, so those quantiles are exact. Above, each
doubling of the duration is split into ``PER_DOUBLING`` (64) equal buckets, so a bucket is at most 1/64 of
its lower edge wide (16 minutes at one day, two hours at a week). A quantile falling in a bucket is reported
as the bucket's middle minute, hence within ``RELATIVE_ERROR`` (0.8 %) of the exact nearest-rank value:
about ±7 minutes at 24 hours. Durations beyond ``LIMIT`` minutes (about two years) count in the last bucket.

A histogram is stored as a list of counts by bucket index with the trailing zeros cut off; the empty
histogram is ``[]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from operator import add

EXACT = 128  # minutes below this are counted minute by minute
PER_DOUBLING = 64  # buckets per doubling above EXACT
LIMIT = 2 ** 20  # about two years; longer waits count in the last bucket
RELATIVE_ERROR = 1 / (2 * PER_DOUBLING)  # the most a reported quantile can be off, relative to it

_EXACT_BITS = EXACT.bit_length() - 1  # 7
_SUB_BITS = PER_DOUBLING.bit_length() - 1  # 6
SIZE = EXACT + (LIMIT.bit_length() - 1 - _EXACT_BITS) * PER_DOUBLING


def index(minutes: int) -> int:
    """The bucket of a duration in whole minutes (negative counts as 0)."""
    m = max(0, int(minutes))
    if m < EXACT:
        return m
    if m >= LIMIT:
        return SIZE - 1
    octave = m.bit_length() - 1  # 2**octave <= m < 2**(octave + 1)
    width_bits = octave - _SUB_BITS
    return EXACT + (octave - _EXACT_BITS) * PER_DOUBLING + ((m - (1 << octave)) >> width_bits)


def bounds(i: int) -> tuple[int, int]:
    """The minutes [low, high) of bucket ``i``."""
    if i < EXACT:
        return i, i + 1
    octave, sub = divmod(i - EXACT, PER_DOUBLING)
    octave += _EXACT_BITS
    width = 1 << (octave - _SUB_BITS)
    low = (1 << octave) + sub * width
    return low, low + width


def build(minutes: Iterable[int]) -> list[int]:
    counts: list[int] = []
    for m in minutes:
        i = index(m)
        if i >= len(counts):
            counts.extend([0] * (i + 1 - len(counts)))
        counts[i] += 1
    return counts


def merge(histograms: Iterable[list[int] | None]) -> list[int]:
    """The bucket-wise sum of histograms of any lengths."""
    present = [h for h in histograms if h]
    if not present:
        return []
    total = [0] * max(map(len, present))
    for h in present:
        # element-wise in C: a year of centres is a few million bucket additions
        total[:len(h)] = map(add, total, h)
    return total


def quantile(counts: list[int], q: float) -> float | None:
    """The nearest-rank quantile in minutes, as the middle of the bucket holding that rank (exact below EXACT).
    None for an empty histogram."""
    n = sum(counts)
    if not n:
        return None
    rank = max(1, math.ceil(q * n))
    seen = 0
    for i, c in enumerate(counts):
        seen += c
        if seen >= rank:
            low, high = bounds(i)
            return (low + high - 1) / 2
    return None  # unreachable: the counts sum to n
