"""How far a run is from its end: the time to the Pearson target at the pace of the last updates, for progress bars
(counting down to ``max_updates`` says nothing for a run that stops at its target)."""
from __future__ import annotations

import math

PACE_WINDOW = 10  # measured updates the pace is taken over


def time_to_target(rows: list[dict], target: float | None) -> float | None:
    """Seconds until the Pearson reaches ``target`` at its pace over the last ``PACE_WINDOW`` measurements; 0 at the
    target; None without a target or while the Pearson does not rise."""
    measured = [r for r in rows if r.get("pearson") is not None and math.isfinite(r["pearson"])][-PACE_WINDOW:]
    if target is None or len(measured) < 2:
        return None
    first, last = measured[0], measured[-1]
    if last["pearson"] >= target:
        return 0.0
    rise, spent = last["pearson"] - first["pearson"], last["seconds"] - first["seconds"]
    if rise <= 0 or spent <= 0:
        return None
    return (target - last["pearson"]) * spent / rise


def describe_remaining(rows: list[dict], target: float | None, seconds_left: float | None) -> str:
    """'target in ~M:SS', 'target: no estimate' or, when it comes first, the end of the time budget (``seconds_left``,
    None without one)."""
    eta = time_to_target(rows, target)
    if seconds_left is not None and (eta is None or seconds_left < eta):
        return f"budget ends in {_clock(seconds_left)}"
    if eta is None:
        return "target: no estimate (Pearson not rising)" if target is not None else ""
    return f"target in ~{_clock(eta)}"


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
