"""Retry policy: what may be retried, how long to wait, and when to give up.

The table this module encodes (DESIGN section 3) exists for one reason: a bulk job must absorb
rate limits and blips, but must never create a user, send an invite or mint a magic link twice.
So a failure is first classified by *what we know reached the server*, and only then by whether
the endpoint is replay-safe.
"""

from __future__ import annotations

import enum
import json
import math
import random
import re
import time
from collections.abc import Mapping
from typing import Any

import attrs

from .errors import InvalidArgumentError, PropelAuthError


class Failure(enum.Enum):
    """What a failed attempt tells us about the server's state."""

    NOT_SENT = "not sent"  # connect error, connect/pool timeout: nothing left the client
    RATE_LIMITED = "429"  # the server refused before doing anything
    AMBIGUOUS = "no response"  # read/write timeout, dropped connection: it may have been applied
    SERVER = "server error"  # 5xx or 408: the server failed, perhaps after applying it
    FINAL = "final"  # any other status: retrying cannot help


def may_retry(failure: Failure, *, replay_safe: bool) -> bool:
    """The retry table: a row per failure, a column per replay-safety."""
    if failure in (Failure.NOT_SENT, Failure.RATE_LIMITED):
        return True
    if failure in (Failure.AMBIGUOUS, Failure.SERVER):
        return replay_safe
    return False


def non_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise InvalidArgumentError(attribute.name, "must be 0 or more")


def _whole(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(attribute.name, "must be a whole number")


def _positive_or_none(_: object, attribute: attrs.Attribute[float], value: float | None) -> None:
    if value is not None and not value > 0:
        raise InvalidArgumentError(attribute.name, "must be a positive number of seconds")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How hard one call tries. Pass it as ``AsyncPropelAuth(..., retries=RetryPolicy(...))``,
    or change a field for some calls with ``client.with_options(...)``.

    ``max_retries`` counts retries after the first attempt for transient failures (all kinds
    together: a timeout then a 503 spend two);
    ``max_rate_limit_retries`` does the same for 429s, which are always safe to retry.
    ``max_retry_wait`` is the longest server-requested wait we accept: a 429 asking for more
    raises :class:`~propelauth_async.errors.RateLimitError` at once instead of hanging the caller.
    ``total_timeout`` bounds one call across all its attempts and waits (``None``: no bound).
    Backoff is full jitter, ``uniform(0, min(backoff_cap, base * 2**n))``, where ``base`` is
    ``backoff_base`` and, after a 429 that named no wait, ``rate_limit_backoff_base`` (by
    default ``max(backoff_base, min(1.0, backoff_cap))``: a rate limit deserves a slower start).
    """

    max_retries: int = attrs.field(default=2, validator=[_whole, non_negative])
    max_rate_limit_retries: int = attrs.field(default=5, validator=[_whole, non_negative])
    max_retry_wait: float = attrs.field(default=60.0, validator=non_negative)
    total_timeout: float | None = attrs.field(default=90.0, validator=_positive_or_none)
    backoff_base: float = attrs.field(default=0.5, validator=non_negative)
    backoff_cap: float = attrs.field(default=8.0, validator=non_negative)
    rate_limit_backoff_base: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative)
    )

    def allowed_retries(self, failure: Failure) -> int:
        if failure is Failure.RATE_LIMITED:
            return self.max_rate_limit_retries
        return self.max_retries

    def backoff(self, retry_number: int, failure: Failure) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**n)), n counting from 0."""
        base = self.backoff_base
        if failure is Failure.RATE_LIMITED:
            chosen = self.rate_limit_backoff_base
            base = max(base, min(1.0, self.backoff_cap)) if chosen is None else chosen
        return random.uniform(0.0, min(self.backoff_cap, base * 2.0**retry_number))


@attrs.define
class CallState:
    """What one logical call has been through: counted on the call, never on tenacity."""

    deadline: float | None = None  # monotonic; None when the call has no total timeout
    attempts: int = 0  # attempts sent (or refused before sending) so far
    # Retries granted so far, per budget: 429s have their own, every other failure shares one.
    retries: dict[bool, int] = attrs.field(factory=dict)
    maybe_applied: bool = False  # an earlier attempt may have reached the server unanswered

    @property
    def retries_taken(self) -> int:
        return max(0, self.attempts - 1)


def decide(
    failure: Failure,
    error: PropelAuthError,
    *,
    replay_safe: bool,
    state: CallState,
    policy: RetryPolicy,
    server_wait: float | None = None,
    budget_wait: float | None = None,
    now: float | None = None,
) -> float | PropelAuthError:
    """The one retry decision: wait this many seconds and try again, or raise this error.

    Every failed attempt of every call comes here, whatever went wrong: the retry table
    (:func:`may_retry`), the per-failure retry budgets, the 429's own wait (refused when
    longer than ``max_retry_wait``), full-jitter backoff, and the call's total deadline.

    ``budget_wait`` is the rate budget's suggestion after a 429 (see ``_budget.retry_wait``):
    a whole-second ``Retry-After`` is a refill rounded up, and no hint is no evidence, so the
    first retry after a hint, and every retry without one, waits no longer than the budget's
    pace says. A second 429 after a hint is meant, and waited in full.
    """
    if not may_retry(failure, replay_safe=replay_safe):
        return error
    budget = failure is Failure.RATE_LIMITED
    granted = state.retries.get(budget, 0)
    if granted >= policy.allowed_retries(failure):
        return error
    if failure is Failure.RATE_LIMITED and server_wait is not None:
        if server_wait > policy.max_retry_wait:
            return error
        wait = server_wait
        if budget_wait is not None and granted == 0:
            wait = min(wait, budget_wait)
    else:
        wait = policy.backoff(granted, failure)
        if failure is Failure.RATE_LIMITED and budget_wait is not None:
            wait = min(wait, budget_wait)
    current = time.monotonic() if now is None else now
    if state.deadline is not None and current + wait >= state.deadline:
        return error
    state.retries[budget] = granted + 1
    return wait


_WAIT_TEXT = re.compile(r"wait\s+(\d+(?:\.\d+)?)\s*sec", re.IGNORECASE)
# x-ratelimit-reset is a delta on some servers and an epoch timestamp on others.
_EPOCH_THRESHOLD = 1_000_000_000.0


def _finite_non_negative(value: float) -> float | None:
    if math.isnan(value) or math.isinf(value) or value < 0:
        return None
    return value


def _parse_float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return _finite_non_negative(float(raw.strip()))
    except ValueError:
        return None


def _parse_http_date(raw: str, now: float) -> float | None:
    import email.utils  # rare: most servers send seconds

    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None
        return None
    return max(0.0, when.timestamp() - now)


def _from_body(body: bytes) -> float | None:
    if not body:
        return None
    text = body[:2048].decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        wait = parsed.get("wait_seconds")
        if isinstance(wait, (int, float)) and not isinstance(wait, bool):
            return _finite_non_negative(float(wait))
        text = str(parsed.get("user_facing_error") or "")
    match = _WAIT_TEXT.search(text)
    return _finite_non_negative(float(match.group(1))) if match else None


def retry_after_is_precise(headers: Mapping[str, str]) -> bool:
    """Whether the server's wait has sub-second precision (a bucket's exact refill time).

    An HTTP-date or a whole number of seconds is rounded up, so it says little about the
    server's rate; ``retry-after-ms`` or a fractional ``retry-after`` says a lot.
    """
    if _parse_float(headers.get("retry-after-ms")) is not None:
        return True
    raw = headers.get("retry-after")
    return raw is not None and "." in raw and _parse_float(raw) is not None


def retry_after_seconds(
    headers: Mapping[str, str], body: bytes = b"", *, now: float | None = None
) -> float | None:
    """How long a 429 asks us to wait, from the first source that answers.

    Order: ``retry-after-ms``, ``retry-after`` (seconds or HTTP-date), ``x-ratelimit-reset``
    (a delta, or an epoch timestamp when it is that large), a JSON body's ``wait_seconds``, and
    PropelAuth's plain-text "Please wait N seconds" body. ``None`` when none of them says.
    """
    current = time.time() if now is None else now
    ms = _parse_float(headers.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000.0
    raw = headers.get("retry-after")
    if raw is not None:
        seconds = _parse_float(raw)
        if seconds is None:
            seconds = _parse_http_date(raw, current)
        if seconds is not None:
            return seconds
    reset = _parse_float(headers.get("x-ratelimit-reset"))
    if reset is not None:
        return max(0.0, reset - current) if reset >= _EPOCH_THRESHOLD else reset
    return _from_body(body)
