"""The adaptive rate estimate: how fast to send, learned from 429s and the successes between them.

Pure functions over a small immutable :class:`PaceState`, with the time passed in. The in-memory
budget keeps the state in an attribute; the Redis budget keeps it in Redis, so every worker on
one API key paces from the same state. Nothing here sleeps or reads a clock.

The shape is CUBIC's (RFC 8312), applied to a request rate instead of a window:

* Until the first 429 nothing is paced (an API without limits pays nothing).
* The first 429 starts a *ramp*: from a first guess (the server's own refill time when it says
  it in milliseconds, otherwise what got through in the last second), the pace doubles every
  ``RAMP_DOUBLING`` seconds until the next 429. A whole-second ``Retry-After`` only bounds the
  refill time from above, so it is not used as a guess.
* Each later limit signal (a 429, or ``x-ratelimit-remaining: 0`` on a success) records the pace
  in force as ``ceiling``, and drops to ``BETA`` times the lower of that and the rate the server
  actually admitted since the previous signal. Signals closer together than ``COALESCE`` are one
  event: answers to requests sent at the old pace are still arriving.
* Between signals the pace climbs back along ``ceiling * (1 + C (t - K)**3)``: quickly at first,
  flat near the ceiling where the last 429 was (so probing the limit costs a 429 every few seconds
  rather than a burst of them), and faster and faster beyond it, so a limit that was raised in
  the middle of a job is found within seconds.
"""

from __future__ import annotations

import math

import attrs

BETA = 0.9  # the pace after a limit signal, as a share of the ceiling
PLATEAU = 1.0  # seconds from a decrease back to the ceiling (CUBIC's K)
CUBIC_C = (1.0 - BETA) / PLATEAU**3
RAMP_DOUBLING = 0.1  # seconds per doubling while ramping after the first 429
COALESCE = 0.1  # seconds: limit signals this close together are one event
MEASURE_WINDOW = 1.0  # seconds: the longest window the admitted rate is measured over
MAX_DECREASE = 0.5  # the ceiling falls at most to this share of the pace per signal
MIN_RATE = 1.0  # requests per second: the pace never goes below this
MAX_GROWTH = 8.0  # the pace never climbs past this many times the last ceiling


@attrs.frozen
class PaceState:
    """Where the pace is. Times are in the budget's clock (seconds), counts are successes."""

    mode: str = "unpaced"  # "unpaced", "fixed" (rate_limit=), "ramp" (the first 429), "cubic"
    base: float = 0.0  # the ramp's starting rate, or the cubic ceiling
    epoch: float = 0.0  # when the ramp started or the last decrease happened
    successes_at_epoch: int = 0  # the success counter at ``epoch``


def pace(state: PaceState, successes: int) -> float | None:
    """Requests per second to send now; ``None`` for no pacing at all.

    Growth is counted in successes, not seconds, as TCP counts acknowledgements: a client that
    sends little never talks itself into a pace it has no evidence for. The cubic's clock is
    the time the successes since the last decrease would take at the ceiling's pace.
    """
    if state.mode == "unpaced":
        return None
    if state.mode == "fixed":
        return state.base
    done = max(0, successes - state.successes_at_epoch)
    if state.mode == "ramp":  # doubles every RAMP_DOUBLING seconds while successes keep up
        return state.base + done * math.log(2.0) / RAMP_DOUBLING
    elapsed = done / state.base
    growth = 1.0 + CUBIC_C * (elapsed - PLATEAU) ** 3
    return max(MIN_RATE, state.base * min(growth, MAX_GROWTH))


def after_limit(
    state: PaceState,
    now: float,
    *,
    successes: int,
    recent_rate: float,
    refill: float | None = None,
) -> PaceState:
    """The state after a limit signal at ``now``.

    ``successes`` is the success counter now; ``recent_rate`` the successes per second over the
    last ``MEASURE_WINDOW`` (or less, if the job is younger, but at least ``COALESCE``);
    ``refill`` the server's own time to its next token, when it said so in milliseconds.
    """
    if state.mode == "unpaced":
        guess = 1.0 / refill if refill is not None and refill > 0 else recent_rate
        return PaceState("ramp", max(MIN_RATE, guess), now, successes)
    if now - state.epoch < COALESCE:
        return refine(state, now, recent_rate)
    current = pace(state, successes)
    assert current is not None
    ceiling = current
    if state.mode == "cubic":
        since = now - state.epoch
        if since < MEASURE_WINDOW:
            admitted = (successes - state.successes_at_epoch) / since
        else:
            admitted = recent_rate
        if admitted < current:
            # Sending above the limit: what the server admitted is the better measure of it.
            ceiling = max(admitted, current * MAX_DECREASE)
    # Out of a ramp the window holds its slow start, so the pace at the 429 is the measure.
    ceiling = max(MIN_RATE / BETA, ceiling)
    return PaceState("cubic", ceiling, now, successes)


def refine(state: PaceState, now: float, recent_rate: float) -> PaceState:
    """Early in a ramp, raise its first guess to what is getting through: the first answers
    mix 429s and successes, and the first 429 may be read before any success."""
    if state.mode != "ramp" or now - state.epoch >= COALESCE or recent_rate <= state.base:
        return state
    return attrs.evolve(state, base=recent_rate)


def fixed(rate: float) -> PaceState:
    """A pace the caller chose (``rate_limit=``), which adaptive mode starts from."""
    if not (rate > 0 and math.isfinite(rate)):
        raise ValueError("rate must be a positive number")
    return PaceState("fixed", rate, float("-inf"), 0)
