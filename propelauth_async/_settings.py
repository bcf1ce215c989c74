"""The client's settings, grouped: how hard a call tries (``RetryPolicy``), how the client paces
itself (``Pacing``), and how it verifies access tokens (``TokenSettings``).

The constructor keeps the common settings as plain keywords and still accepts every keyword of
0.1; :data:`FLAT_KEYWORDS` says which group and field each flat keyword sets, and
:func:`grouped` applies them. A flat keyword given beside its group's object wins over that
field, so ``retries=RetryPolicy(backoff_base=2.0), max_retries=0`` means what it says.
"""

from __future__ import annotations

from typing import Any, TypedDict

import attrs

from ._retry import RetryPolicy, non_negative
from ._types import UNSET
from .errors import ConfigurationError, InvalidArgumentError


def _positive(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not value > 0):
        raise InvalidArgumentError(attribute.name, "must be a positive number")


def _at_least_one(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidArgumentError(attribute.name, "must be a whole number, at least 1")


@attrs.frozen(kw_only=True)
class Pacing:
    """How the client spaces its requests; one limiter, shared by every coroutine (and every
    ``with_options`` view) of the client.

    ``rate_limit``: requests per second from the start, in bursts of up to ``burst``
    (``None``: unpaced until a 429). ``max_concurrency``: requests in flight (by default, and
    at most, the pool's ``max_connections``; calls beyond it queue in the client's own gate,
    never in httpx's pool, where a cancelled waiter can lose a connection for good).
    ``adaptive``: after a 429, estimate the server's rate and pace to it.
    """

    rate_limit: float | None = attrs.field(default=None, validator=_positive)
    burst: int = attrs.field(default=1, validator=_at_least_one)
    max_concurrency: int | None = attrs.field(default=None, validator=_at_least_one)
    adaptive: bool = True


@attrs.frozen(kw_only=True)
class TokenSettings:
    """How ``client.tokens`` verifies access tokens.

    ``verifier_key_pem``: the project's public key, to verify without fetching it;
    ``leeway``: seconds of clock skew allowed on ``exp`` / ``iat`` / ``nbf``;
    ``max_token_bytes``: longer tokens are refused before any parsing;
    ``key_refresh_interval``: how often the fetched key is refreshed (``None``: never);
    ``key_min_refresh_interval``: the least time between refreshes after a bad signature;
    ``cache_size``: how many verified tokens are remembered.
    """

    verifier_key_pem: str | None = None
    leeway: float = attrs.field(default=60.0, validator=non_negative)
    max_token_bytes: int = attrs.field(default=16 * 1024, validator=_at_least_one)
    key_refresh_interval: float | None = attrs.field(default=3600.0, validator=_positive)
    key_min_refresh_interval: float = attrs.field(default=60.0, validator=non_negative)
    cache_size: int = attrs.field(default=4096, validator=non_negative)


class FlatSettings(TypedDict, total=False):
    """The 0.1 constructor keywords that now live in a settings object (still accepted)."""

    max_rate_limit_retries: int
    backoff_base: float
    backoff_cap: float
    rate_limit: float | None
    rate_limit_burst: int
    max_concurrency: int | None
    adaptive_rate_limit: bool
    verifier_key_pem: str | None
    token_leeway: float
    max_token_bytes: int
    key_refresh_interval: float | None
    key_min_refresh_interval: float


FLAT_KEYWORDS: dict[str, tuple[str, str]] = {
    # keyword: (group, field)
    "max_retries": ("retries", "max_retries"),
    "max_retry_wait": ("retries", "max_retry_wait"),
    "total_timeout": ("retries", "total_timeout"),
    "max_rate_limit_retries": ("retries", "max_rate_limit_retries"),
    "backoff_base": ("retries", "backoff_base"),
    "backoff_cap": ("retries", "backoff_cap"),
    "rate_limit": ("pacing", "rate_limit"),
    "rate_limit_burst": ("pacing", "burst"),
    "max_concurrency": ("pacing", "max_concurrency"),
    "adaptive_rate_limit": ("pacing", "adaptive"),
    "verifier_key_pem": ("tokens", "verifier_key_pem"),
    "token_leeway": ("tokens", "leeway"),
    "max_token_bytes": ("tokens", "max_token_bytes"),
    "key_refresh_interval": ("tokens", "key_refresh_interval"),
    "key_min_refresh_interval": ("tokens", "key_min_refresh_interval"),
}

_GROUPS: dict[str, type[Any]] = {
    "retries": RetryPolicy,
    "pacing": Pacing,
    "tokens": TokenSettings,
}


def grouped(
    retries: RetryPolicy | None,
    pacing: Pacing | None,
    tokens: TokenSettings | None,
    flat: dict[str, Any],
) -> tuple[RetryPolicy, Pacing, TokenSettings]:
    """The three settings objects, with the flat keywords that were given applied on top.

    A bad value, or an unknown keyword, is a :class:`ConfigurationError` naming the keyword.
    """
    given: dict[str, Any] = {"retries": retries, "pacing": pacing, "tokens": tokens}
    changes: dict[str, dict[str, Any]] = {group: {} for group in _GROUPS}
    for keyword, value in flat.items():
        if value is UNSET:
            continue
        if keyword not in FLAT_KEYWORDS:
            raise ConfigurationError(f"unknown setting {keyword!r}")
        group, field = FLAT_KEYWORDS[keyword]
        changes[group][field] = value
    built: dict[str, Any] = {}
    for group, cls in _GROUPS.items():
        settings = given[group]
        if settings is not None and not isinstance(settings, cls):
            raise ConfigurationError(f"{group} must be a {cls.__name__}")
        try:
            if settings is None:
                built[group] = cls(**changes[group])
            else:
                built[group] = attrs.evolve(settings, **changes[group])
        except InvalidArgumentError as exc:
            keyword = _keyword_for(group, exc.parameter, flat)
            reason = str(exc).removeprefix(f"{exc.parameter}: ")
            raise ConfigurationError(f"{keyword}: {reason}") from None
    return built["retries"], built["pacing"], built["tokens"]


def _keyword_for(group: str, field: str, flat: dict[str, Any]) -> str:
    """The keyword the caller used for ``group.field``: the flat one if given, else the field."""
    for keyword, target in FLAT_KEYWORDS.items():
        if target == (group, field) and keyword in flat:
            return keyword
    return f"{group}.{field}"
