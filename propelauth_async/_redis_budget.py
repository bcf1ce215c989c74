"""One rate budget for every worker on an API key, kept in Redis (the ``[redis]`` extra).

PropelAuth limits per API key, and a bulk job runs on several processes or hosts. Each worker
pacing itself alone either overshoots (every worker takes the whole allowance) or undershoots
(a fixed share each, never adapting). Here they share, in one Redis hash per key:

* **admission**: a GCRA slot booker in one Lua script that reads Redis's own ``TIME``, so host
  clocks never matter; a worker books its slot and sleeps until it;
* **the pause**: a backend-wide 429 seen by any worker holds every worker back;
* **the estimate**: the adaptive pace of :mod:`._pacing`, whose state lives in the hash. A
  worker that sees a limit signal computes the next state and proposes it with the version it
  started from; the first proposal wins, later ones from the same moment are dropped, so four
  workers seeing one overshoot slow down once, not four times.

Successes are counted in the hash too (flushed with each admission, so it costs no extra round
trip). The hash's name is a hash of the API key and auth host: the key itself never leaves the
process. If Redis cannot be reached, ``on_unavailable`` decides: ``"local"`` (default) paces in
this process alone with one warning per outage and tries Redis again every few seconds;
``"fail"`` raises :class:`~propelauth_async.errors.RateBudgetUnavailableError`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Literal

import anyio

from . import _pacing
from ._budget import LocalBudget, SuccessLog, check_wait, retry_wait, shared_pause
from ._pacing import PaceState
from .errors import ConfigurationError, RateBudgetUnavailableError

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("propelauth_async")

RETRY_REDIS_AFTER = 5.0  # seconds between attempts to reach Redis again after an outage
KEY_TTL = 3600  # seconds: an idle budget disappears from Redis after an hour
BOOKING_HORIZON = 0.05  # seconds: how far ahead a worker may book its slot

# KEYS[1]: the budget's hash. ARGV: successes to add, pause to set (s), slot interval (s, 0 =
# unpaced), burst, proposal version ("" = none), proposed mode, proposed base, key TTL, booking
# horizon (s): a slot further ahead is not booked ("later": ask again then), so that a change
# of pace applies within the horizon instead of after every slot booked at the old pace.
# Returns strings (Redis would truncate Lua numbers to integers): now, wait, "pause"/"slot"/"later",
# successes, mode, base, epoch, mark, version, window start, successes at window start, rate
# of the previous window.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local key = KEYS[1]
local function num(field, default)
  local v = redis.call('HGET', key, field)
  if v then return tonumber(v) end
  return default
end
local function f6(x) return string.format('%.6f', x) end
local succ = redis.call('HINCRBY', key, 'succ', tonumber(ARGV[1]))
local pause_until = num('pause', 0)
local pause = tonumber(ARGV[2])
if pause > 0 and now + pause > pause_until then
  pause_until = now + pause
  redis.call('HSET', key, 'pause', f6(pause_until))
end
local version = num('version', 0)
if ARGV[5] ~= '' and tonumber(ARGV[5]) == version then
  version = version + 1
  redis.call('HSET', key, 'version', version, 'mode', ARGV[6], 'base', ARGV[7],
             'epoch', f6(now), 'mark', succ)
end
local win_t = num('win_t', 0)
if now - win_t >= 1.0 then
  if win_t > 0 then
    redis.call('HSET', key, 'prev_rate', f6((succ - num('win_n', 0)) / (now - win_t)))
  end
  redis.call('HSET', key, 'win_t', f6(now), 'win_n', succ)
end
local wait = 0
local kind = 'slot'
if pause_until > now then
  wait = pause_until - now
  kind = 'pause'
else
  local interval = tonumber(ARGV[3])
  if interval > 0 then
    local burst = tonumber(ARGV[4])
    local horizon = tonumber(ARGV[9])
    local slot = math.max(num('tat', 0), now - (burst - 1) * interval)
    if slot - now > horizon then
      wait = slot - now - horizon
      kind = 'later'
    else
      redis.call('HSET', key, 'tat', f6(slot + interval))
      wait = math.max(0, slot - now)
    end
  end
end
redis.call('EXPIRE', key, tonumber(ARGV[8]))
local s = redis.call('HMGET', key, 'mode', 'base', 'epoch', 'mark', 'win_t', 'win_n', 'prev_rate')
return {f6(now), f6(wait), kind, tostring(succ), s[1] or 'unpaced', s[2] or '0', s[3] or '0',
        s[4] or '0', tostring(version), s[5] or '0', s[6] or '0', s[7] or '0'}
"""


class RedisRateBudget:
    """A rate budget shared through Redis by every process that uses the same API key.

    >>> budget = RedisRateBudget("redis://localhost:6379/0")
    >>> async with AsyncPropelAuth(url, key, budget=budget) as client, budget:
    ...     ...

    ``redis`` is a URL or a ``redis.asyncio.Redis`` client (yours stays open when the budget
    closes). ``rate`` is a pace (requests/s, for all workers together) to start from when the
    shared budget has none yet; ``burst`` how many requests may start at once under a pace;
    ``on_unavailable`` is ``"local"`` or ``"fail"`` (see the module docs); ``prefix`` names the
    Redis keys. Needs asyncio (redis-py's client is asyncio-only) and Redis 5 or later.
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        rate: float | None = None,
        burst: int = 1,
        on_unavailable: Literal["local", "fail"] = "local",
        prefix: str = "propelauth-async:budget",
        timeout: float = 2.0,
    ) -> None:
        try:
            from redis.asyncio import Redis as _Redis
        except ImportError:  # pragma: no cover - depends on the install
            raise ConfigurationError(
                "RedisRateBudget needs the redis extra: pip install 'propelauth-async[redis]'"
            ) from None
        if on_unavailable not in ("local", "fail"):
            raise ConfigurationError("on_unavailable must be 'local' or 'fail'")
        if isinstance(redis, str):
            self._redis: Any = _Redis.from_url(
                redis, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            self._owns_redis = True
        else:
            self._redis = redis
            self._owns_redis = False
        self._script = self._redis.register_script(_ADMIT)
        self._burst = max(1, burst)
        self._on_unavailable = on_unavailable
        self._prefix = prefix
        self._key: str | None = None
        self._local = LocalBudget(rate=rate, burst=burst)
        self._shared_pause_until = 0.0  # monotonic: the end of the last shared pause seen
        self._down_since: float | None = None
        # What the last round trip said, and what happened here since.
        self._state = PaceState()
        self._version = 0
        self._successes = 0
        self._window: tuple[float, int, float] = (0.0, 0, 0.0)
        self._offset = 0.0  # Redis time minus this host's monotonic clock
        self._pending_successes = 0
        self._pending_pause = 0.0
        self._proposal: tuple[int, PaceState] | None = None
        # While a proposal of ours (based on this version) is unanswered, replies carrying that
        # version or an older one are stale: they were read before our proposal reached Redis.
        self._proposed_from: int | None = None
        self._own = SuccessLog()
        if rate is not None:  # proposed against version 0: only if no worker set a pace yet
            self._state = _pacing.fixed(rate)
            self._proposal = (0, self._state)
            self._proposed_from = 0

    def __repr__(self) -> str:
        return f"RedisRateBudget(key={self._key!r})"  # a hash, never the API key or the URL

    @property
    def key(self) -> str | None:
        """The Redis key of the shared state (derived from a hash of API key and host)."""
        return self._key

    @property
    def state(self) -> PaceState:
        return self._state

    @property
    def current_rate(self) -> float | None:
        if self._down_since is not None:
            return self._local.current_rate
        return _pacing.pace(self._state, self._successes + self._pending_successes)

    def bind(self, key_id: str) -> None:
        if self._key is not None and self._key != f"{self._prefix}:{key_id}":
            raise ConfigurationError("a RedisRateBudget serves one API key; make one per key")
        self._key = f"{self._prefix}:{key_id}"

    async def acquire(self, *, max_pause: float | None = None, within: float | None = None) -> None:
        if self._key is None:
            raise ConfigurationError("pass the RedisRateBudget to AsyncPropelAuth(budget=...)")
        end = None if within is None else time.monotonic() + within
        while True:
            left = None if end is None else end - time.monotonic()
            down = self._down_since
            if down is not None and time.monotonic() - down < RETRY_REDIS_AFTER:
                await self._local.acquire(max_pause=max_pause, within=left)
                return
            reply = await self._round_trip()
            if reply is None:  # Redis unreachable, policy "local"
                await self._local.acquire(max_pause=max_pause, within=left)
                return
            wait, kind = reply
            if kind == "pause":
                self._shared_pause_until = time.monotonic() + wait
            if wait > 0:
                check_wait(wait, pause=kind == "pause", max_pause=max_pause, within=left)
                await anyio.sleep(wait)
            if kind == "slot":
                return

    async def _round_trip(self) -> tuple[float, str] | None:
        from redis.exceptions import RedisError

        assert self._key is not None
        rate = self.current_rate if self._down_since is None else None
        args: list[object] = [
            self._pending_successes,
            f"{self._pending_pause:.6f}",
            f"{1.0 / rate:.9f}" if rate else "0",
            self._burst,
            "",
            "",
            "",
            KEY_TTL,
            BOOKING_HORIZON,
        ]
        proposal, self._proposal = self._proposal, None
        if proposal is not None:
            args[4:7] = [proposal[0], proposal[1].mode, f"{proposal[1].base:.6f}"]
        sent_successes, self._pending_successes = self._pending_successes, 0
        sent_pause, self._pending_pause = self._pending_pause, 0.0
        try:
            raw = await self._script(keys=[self._key], args=args)
        except (RedisError, OSError) as exc:
            self._pending_successes += sent_successes
            self._pending_pause = max(self._pending_pause, sent_pause)
            if proposal is not None and self._proposal is None:
                self._proposal = proposal  # send it again with the next round trip
            self._unavailable(exc)
            return None
        if self._down_since is not None:
            logger.warning("propelauth_async: the shared rate budget is reachable again")
            self._down_since = None
        values = [v.decode() if isinstance(v, bytes) else str(v) for v in raw]
        now = float(values[0])
        self._offset = now - time.monotonic()
        self._successes = max(self._successes, int(values[3]))
        version = int(values[8])
        stale = self._proposed_from is not None and version <= self._proposed_from
        if not stale and version >= self._version:
            self._state = PaceState(values[4], float(values[5]), float(values[6]), int(values[7]))
            self._version = version
            self._proposed_from = None
        self._window = (float(values[9]), int(values[10]), float(values[11]))
        return float(values[1]), values[2]

    def _unavailable(self, exc: BaseException) -> None:
        if self._on_unavailable == "fail":
            raise RateBudgetUnavailableError(
                f"the shared rate budget (Redis) is unreachable: {type(exc).__name__}"
            ) from None
        if self._down_since is None:
            logger.warning(
                "propelauth_async: the shared rate budget (Redis) is unreachable (%s); "
                "pacing in this process alone until it is back",
                type(exc).__name__,
            )
        self._down_since = time.monotonic()

    def _now(self) -> float:
        return time.monotonic() + self._offset

    def _recent_rate(self, now: float) -> float:
        start, at_start, previous = self._window
        successes = self._successes + self._pending_successes
        span = now - start
        shared = (successes - at_start) / max(span, _pacing.COALESCE) if start else 0.0
        if span < _pacing.COALESCE and previous:
            shared = previous
        return max(shared, self._own.rate(time.monotonic()))

    def pause_left(self) -> float:
        """What this process knows: its own pauses and the last one Redis reported."""
        return max(self._local.pause_left(), self._shared_pause_until - time.monotonic())

    def record_success(self, *, exhausted: bool = False) -> None:
        self._pending_successes += 1
        self._own.add(time.monotonic())
        self._local.record_success(exhausted=exhausted)
        if exhausted:
            self._limit_signal(None)

    def record_rate_limited(self, wait: float | None, *, precise: bool = False) -> float | None:
        self._local.record_rate_limited(wait, precise=precise)
        self._limit_signal(wait if precise else None)
        rate = self.current_rate
        pause = shared_pause(wait, precise=precise, rate=rate)
        self._pending_pause = max(self._pending_pause, pause)
        return retry_wait(wait, pause, rate)

    def _limit_signal(self, refill: float | None) -> None:
        now = self._now()
        successes = self._successes + self._pending_successes
        proposed = _pacing.after_limit(
            self._state,
            now,
            successes=successes,
            recent_rate=self._recent_rate(now),
            refill=refill,
        )
        if proposed != self._state:
            # Act on it here at once; the next round trip shares it (or adopts a rival's).
            self._proposal = (self._version, proposed)
            self._proposed_from = self._version
            self._state = proposed

    async def aclose(self) -> None:
        """Close the Redis connection if the budget opened it (from a URL)."""
        if self._owns_redis:
            await self._redis.aclose()

    async def __aenter__(self) -> RedisRateBudget:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
