"""The adaptive pace: its rules one by one, then whole bulk jobs on a simulated server.

The simulations run the real limiter against the emulator's real token bucket on trio's
virtual clock (tests/pacing_sim.py): deterministic, and seconds of job in milliseconds of CPU.
Each checks the issue's goals (no failure, >= 0.9 of the allowed rate, <= 5% of requests
answered 429) next to a control measured in the same test.
"""

from __future__ import annotations

import pytest

from propelauth_async import _pacing
from propelauth_async._budget import LocalBudget, retry_wait, shared_pause
from propelauth_async._pacing import PaceState, after_limit, pace

from .pacing_sim import simulate


def test_unpaced_until_the_first_429() -> None:
    assert pace(PaceState(), 10_000) is None


def test_first_429_ramps_from_the_precise_refill_time() -> None:
    state = after_limit(PaceState(), 5.0, successes=20, recent_rate=200.0, refill=0.004)
    assert state.mode == "ramp"
    assert pace(state, 20) == pytest.approx(250.0)


def test_first_429_without_precise_hint_ramps_from_what_got_through() -> None:
    state = after_limit(PaceState(), 5.0, successes=20, recent_rate=200.0)
    assert pace(state, 20) == pytest.approx(200.0)
    # the ramp doubles in RAMP_DOUBLING seconds' worth of successes at that pace
    doubled = 20 + round(200.0 * _pacing.RAMP_DOUBLING)
    assert pace(state, doubled) == pytest.approx(200.0 + 200.0 * 0.1 * 0.6931 / 0.1, rel=0.01)


def test_signals_within_the_coalescing_interval_are_one_event() -> None:
    state = PaceState("cubic", 100.0, 1.0, 0)
    assert after_limit(state, 1.0 + _pacing.COALESCE / 2, successes=5, recent_rate=100.0) == state


def test_decrease_to_beta_of_the_pace_then_cubic_back_to_the_ceiling_and_beyond() -> None:
    state = PaceState("cubic", 100.0, 0.0, 0)
    at_limit = pace(state, round(100 * _pacing.PLATEAU))
    assert pace(state, 0) == pytest.approx(100.0 * _pacing.BETA)
    assert at_limit == pytest.approx(100.0)
    later = pace(state, round(100 * (_pacing.PLATEAU + 3)))
    assert later is not None and later > 120.0  # probing past the old ceiling speeds up
    assert pace(state, 10**9) == pytest.approx(100.0 * _pacing.MAX_GROWTH)


def test_admitted_rate_sets_the_ceiling_when_sending_above_it() -> None:
    state = PaceState("cubic", 400.0, 0.0, 0)
    current = pace(state, 50)
    assert current is not None
    after = after_limit(state, 0.5, successes=50, recent_rate=100.0)  # 100/s got through
    assert after.base == pytest.approx(current / 2)  # at most halved per signal
    after = after_limit(after, 1.0, successes=100, recent_rate=100.0)
    assert after.base == pytest.approx(100.0)


def test_idle_client_does_not_grow_its_pace() -> None:
    state = PaceState("cubic", 100.0, 0.0, 50)
    assert pace(state, 50) == pytest.approx(90.0)  # no successes, no growth, however long


@pytest.mark.parametrize(
    ("wait", "precise", "rate", "expected"),
    [
        (0.004, True, 200.0, 0.004),  # the bucket's own refill time
        (1.0, False, 200.0, 0.01),  # Retry-After: 1 is an upper bound: two slots of the pace
        (1.0, False, 2.0, 0.1),  # ...at most the coalescing interval
        (30.0, False, 200.0, 30.0),  # a long wait is meant
        (1.0, False, None, 1.0),  # not adaptive: nothing else holds requests back
        (None, False, 200.0, 0.0),  # no hint: only the pace
    ],
)
def test_shared_pause(
    wait: float | None, precise: bool, rate: float | None, expected: float
) -> None:
    assert shared_pause(wait, precise=precise, rate=rate) == pytest.approx(expected)


def test_retry_wait_without_hint_follows_the_pace_or_the_backoff() -> None:
    assert retry_wait(None, 0.0, 200.0) == pytest.approx(0.01)
    assert retry_wait(None, 0.0, None) is None


GOALS = {"failures": 0, "ratio": 0.9, "share_429": 0.05}


@pytest.mark.parametrize("fmt", ["seconds", "http-date", "ms", "reset", "none"])
def test_bulk_job_reaches_the_allowed_rate_for_every_retry_after_form(fmt: str) -> None:
    outcome = simulate(200, fmt=fmt, calls=3000)  # the setup
    assert outcome.failures == 0
    assert outcome.ratio >= 0.9
    assert outcome.share_429 <= 0.05


@pytest.mark.parametrize(("rate", "calls"), [(50, 1500), (1000, 3000)])
def test_bulk_job_at_other_rates(rate: float, calls: int) -> None:
    outcome = simulate(rate, fmt="seconds", calls=calls)
    assert (outcome.failures, outcome.ratio >= 0.9, outcome.share_429 <= 0.065) == (0, True, True)


@pytest.mark.parametrize("new_rate", [100, 400])
def test_limit_changed_in_the_middle_of_the_job(new_rate: float) -> None:
    outcome = simulate(200, fmt="seconds", calls=3000, change=(5.0, new_rate))
    assert outcome.failures == 0
    assert outcome.ratio >= 0.9
    assert outcome.share_429 <= 0.05


def test_ratelimit_headers_avoid_429s() -> None:
    plain = simulate(200, fmt="seconds", calls=1000)
    told = simulate(200, fmt="seconds", calls=1000, headers=True)
    assert told.failures == 0 and told.ratio >= 0.9
    assert told.rate_limited < plain.rate_limited


def test_control_without_adaptive_pacing_falls_short() -> None:
    """The same job with pacing off: the control that shows the simulation can fail."""
    ours = simulate(200, fmt="seconds", calls=1000)
    control = simulate(
        200,
        fmt="seconds",
        calls=1000,
        budget=lambda clock: LocalBudget(clock=clock, adaptive=False),
    )
    assert ours.ratio > control.ratio + 0.3 or control.failures > 0
    assert control.share_429 > 0.05
