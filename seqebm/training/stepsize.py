"""Automatic step-size control for training with persistent chains (pcd, eq).

Persistent chains lag behind the parameters: when the step is too large for how fast the chains follow, the
statistics they return overshoot and the training swings from one update to the next (period-2 oscillation of the
Pearson or of the correlation slope), drifts down, or its gradient grows. A person watching the log would stop the run
and resume it with a smaller learning rate; this module does that from the log rows the trainer writes anyway:

- **swing**: over the last ``WINDOW`` measurements the Pearson (or, while the Pearson does not rise, the slope)
  alternates in sign from one update to the next, with steps larger than the noise of a measurement (``SWING``)
  and little net progress;
- **cycle**: over the last ``CYCLE_WINDOW`` measurements the slope goes up and down through one slow cycle (two or
  three turning points) spanning more than ``CYCLE_SPAN`` of its level with little net progress (Adam's momentum over a stiff direction,
  e.g. the overall coupling strength of a model near a phase transition whose chains follow it at once, as tempered
  chains do; measured on the 8x8 Ising data: the slope cycled 0.58 -> 1.21 -> 0.73 with a period of ~10 updates);
- **falling**: the Pearson falls steadily (a trend, not noise) by more than ``3 * SWING``;
- **growing gradient**: the gradient norm grows by more than a factor 2 while the Pearson falls (near convergence
  the gradient is noise, and its norm wanders while the Pearson stays put);
- **ladder outrun** (tempering): the ladder gained a rung at each of the last ``LADDER_WINDOW`` updates, i.e. every
  step moved the model further than neighbouring rungs may differ (the swap target): the ladder then grows without
  bound and its slowest pairs stop swapping. Read over the rows since the last learning-rate change, since the rung
  additions themselves are the symptom (for the other rules a new rung is an event that restarts the window);

each halves the learning rate. After ``RESTORE_WINDOW`` smooth updates (steady rise, no swing) it grows by
sqrt(2) again, up to the learning rate given, but never back to a rate at which a swing was seen. Every change is a
row of the run's ``lr_changes`` (update, lr, reason), kept in the model file and used on resume.

Decisions read only the log rows after the last event that changes what the chains measure (a change of the learning
rate, of the sweeps per update, of the sampler or its ladder, a verification restart, a decimation step): the rows carry everything,
so a resumed run takes the decisions the uninterrupted run takes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

WINDOW = 6  # measurements the detector looks at
RESTORE_WINDOW = 3 * WINDOW  # smooth rows before the rate grows again
SWING = 0.01  # mean |change| of the Pearson per measurement above which swings are not measurement noise
SLOPE_SWING = 0.2  # the same for the slope of the correlation regression, relative to its level (a noisier measure)
DOWN, UP = 0.5, math.sqrt(2.0)
MIN_SCALE = 1.0 / 256  # the rate never goes below the given rate times this
LADDER_WINDOW = 4  # consecutive updates that each add a tempering rung
CYCLE_WINDOW = 2 * WINDOW  # measurements in which a slow cycle of the slope must complete
CYCLE_SPAN = 0.3  # its span (max - min) above which it is not noise, relative to the slope's level


@dataclass(frozen=True)
class Trend:
    """What a window of measurements did: mean absolute step, net change, net / total variation, and the share of
    consecutive steps that changed sign."""

    amplitude: float
    net: float
    efficiency: float
    alternation: float
    span: float
    turns: int

    @classmethod
    def of(cls, values: Sequence[float]) -> "Trend":
        steps = [b - a for a, b in zip(values, values[1:])]
        variation = sum(abs(s) for s in steps)
        net = values[-1] - values[0]
        flips = sum(1 for a, b in zip(steps, steps[1:]) if a * b < 0)
        return cls(variation / max(len(steps), 1), net, abs(net) / variation if variation > 0 else 1.0,
                   flips / max(len(steps) - 1, 1), max(values) - min(values) if values else 0.0, flips)

    def swings(self, noise: float) -> bool:
        return self.amplitude > noise and self.alternation >= 0.75 and self.efficiency < 0.5

    def oscillates(self, noise: float) -> bool:
        """Slow cycles (momentum over a stiff direction): a span well above the noise, one or one and a half cycles
        (two or three turning points: noise turns at about every other point), little net progress; a steady drift
        or a plateau of noise is not one."""
        return self.span > noise and 2 <= self.turns <= 3 and self.efficiency < 0.25


@dataclass(frozen=True)
class StepChange:
    lr: float
    reason: str


def _finite(rows: list[dict], key: str) -> list[float]:
    values = [row.get(key) for row in rows]
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def settled_rows(rows: list[dict], since: int) -> list[dict]:
    """The rows measured wholly under the conditions set at update ``since`` (the first update after it still
    measures chains moved by the step before)."""
    return [row for row in rows if row["update"] > since + 1]


def diagnose(rows: list[dict]) -> str | None:
    """Why the step is too large, from rows measured under fixed conditions; None when it looks fine."""
    pearson = _finite(rows, "pearson")[-WINDOW:]
    rising = False
    if len(pearson) >= WINDOW:
        trend = Trend.of(pearson)
        if trend.swings(SWING):
            return f"Pearson swings by {trend.amplitude:.3f} per update"
        if trend.net < -3 * SWING and trend.efficiency > 0.5:
            return f"Pearson falls by {-trend.net:.3f} over {WINDOW} measurements"
        rising = trend.net > 3 * SWING and trend.efficiency > 0.5
    slopes = _finite(rows, "slope")
    slope = slopes[-WINDOW:]
    level = max(sum(abs(s) for s in slope) / max(len(slope), 1), 0.1)
    if len(slope) >= WINDOW and not rising and (swing := Trend.of(slope)).swings(SLOPE_SWING * level):
        return f"correlation slope swings by {swing.amplitude:.3f} per update"
    cycle = slopes[-CYCLE_WINDOW:]
    if len(cycle) >= CYCLE_WINDOW and not rising and Trend.of(cycle).oscillates(CYCLE_SPAN * level):
        return (f"correlation slope cycles between {min(cycle):.2f} and {max(cycle):.2f} over {CYCLE_WINDOW} "
                f"updates")
    grad = _finite(rows, "log_grad_norm")[-WINDOW:]
    if len(grad) >= WINDOW and len(pearson) >= 2:
        growth = Trend.of(grad)
        if growth.net > math.log(2.0) and growth.efficiency > 0.5 and pearson[-1] - pearson[0] < -SWING:
            return f"gradient norm grows x{math.exp(growth.net):.1f} while the Pearson falls"
    return None


def ladder_outrun(rows: list[dict]) -> str | None:
    """Whether each of the last LADDER_WINDOW rows added a tempering rung (rows since the last rate change)."""
    rungs = _finite(rows, "rungs")[-(LADDER_WINDOW + 1):]
    if len(rungs) == LADDER_WINDOW + 1 and all(b > a for a, b in zip(rungs, rungs[1:])):
        return (f"the tempering ladder grew at each of the last {LADDER_WINDOW} updates (to {int(rungs[-1])} rungs): "
                f"each step moves the model further than the ladder can follow")
    return None


def smooth(rows: list[dict]) -> bool:
    """A steady rise of the Pearson over the last RESTORE_WINDOW rows, without swings."""
    pearson = _finite(rows[-RESTORE_WINDOW:], "pearson")
    if len(rows) < RESTORE_WINDOW or len(pearson) < WINDOW:
        return False
    trend = Trend.of(pearson)
    return trend.net > 3 * SWING and trend.efficiency > 0.6 and not trend.swings(SWING)


def current_lr(base_lr: float, lr_changes: list[dict]) -> float:
    """The learning rate in force: the last change, or the rate given."""
    return float(lr_changes[-1]["lr"]) if lr_changes else float(base_lr)


def rates_that_swung(base_lr: float, lr_changes: list[dict]) -> list[float]:
    """The rates the controller lowered (each automatic change to a smaller rate, from the rate before it); a manual
    change (no reason: a resume with --lr) is a new starting rate, not a swing."""
    swung, rate = [], float(base_lr)
    for change in lr_changes:
        if "reason" in change and float(change["lr"]) < rate:
            swung.append(rate)
        rate = float(change["lr"])
    return swung


def next_step_size(rows: list[dict], since: int, base_lr: float, lr_changes: list[dict]) -> StepChange | None:
    """The learning-rate change the rows call for, or None. ``since``: the last update whose event changed what the
    chains measure; ``base_lr``: the rate given (the most the controller restores)."""
    lr = current_lr(base_lr, lr_changes)
    fresh = settled_rows(rows, since)
    last_change = int(lr_changes[-1]["update"]) if lr_changes else 0
    problem = diagnose(fresh) or ladder_outrun(settled_rows(rows, last_change))
    if problem is not None:
        lowered = lr * DOWN
        if lowered < base_lr * MIN_SCALE * (1 - 1e-9):
            return None
        return StepChange(lowered, problem)
    ceiling = min([base_lr, *(s / UP for s in rates_that_swung(base_lr, lr_changes))])
    raised = min(lr * UP, ceiling)
    if raised > lr * (1 + 1e-9) and smooth(fresh):
        return StepChange(raised, f"smooth progress over {RESTORE_WINDOW} updates")
    return None
