"""What every benchmark records: a figure beside the floor doing the same work, and peak memory.

A figure is a time (seconds or milliseconds) for a stated amount of work; its floor is the time of
the cheapest faithful way of doing exactly that work (hand-written SQL that computes and stores the
same figures, COPY of the same typed rows into the same tables, SQL that builds the same JSON). The
ratio is figure ÷ floor. Peak memory is what the work added at its peak to the process's resident
memory (the high-water mark, reset before the work: Linux /proc/self/clear_refs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

_BASELINE = [0.0]


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"No {field} in /proc/self/status")


def peak_reset() -> None:
    """Start a new resident-memory high-water mark for this process, from what it holds now."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    _BASELINE[0] = _status_mb("VmRSS")


def peak_mb() -> float:
    """What the work since the last reset added at its peak to this process's resident memory, in MB
    (the high-water mark less the resident memory at the reset)."""
    return max(0.0, _status_mb("VmHWM") - _BASELINE[0])


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    outcome = work()
    return time.perf_counter() - start, outcome


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of several runs (a floor is the best case) and the last run's outcome."""
    best, outcome = float("inf"), None
    for _ in range(runs):
        seconds, outcome = timed(work)
        best = min(best, seconds)
    return best, outcome


@dataclass
class Figure:
    """One benchmark at one size: ``value`` (in ``unit``) for ``work`` units of work, and its floor."""

    name: str
    title: str
    unit: str  # "s" or "ms"
    value: float
    floor: float | None
    floor_title: str
    work: int
    work_unit: str
    peak_mb: float | None = None
    aim: str = ""
    aim_met: bool | None = None
    mismatches: int = 0  # figures that differ from the floor's figures (must be 0)
    examples: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    @property
    def rate(self) -> float | None:
        """Work units per second."""
        seconds = self.value / 1000 if self.unit == "ms" else self.value
        return self.work / seconds if seconds else None

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "rate": self.rate}
