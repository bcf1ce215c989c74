"""End-user API-key authentication shared by both frameworks: tell a key from an access token,
validate it through ``client.api_keys``, and remember good answers for a short while.

The cache holds successful validations only, for ``ttl`` seconds (a deleted key keeps working
at most that long; ``ttl=0`` validates every request), at most ``max_size`` entries (least
recently used go first). It is keyed by a keyed BLAKE2b digest of the key, with a random
per-cache salt, so neither the key nor a digest that could be tested offline is ever held.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from .._client import AsyncPropelAuth
from ..errors import (
    AccessDeniedError,
    BadRequestError,
    ConfigurationError,
    InvalidArgumentError,
    NotFoundError,
    TokenError,
)
from ..models.api_keys import ApiKeyValidation, OrgApiKeyValidation

Clock = Callable[[], float]

__all__ = [
    "ApiKeyCache",
    "as_org_key",
    "bearer_credentials",
    "is_access_token",
    "validate_api_key",
]


class ApiKeyCache:
    """A bounded TTL cache of API-key validations. ``ttl=0`` (or ``None``) turns it off."""

    def __init__(
        self, ttl: float | None = 10.0, max_size: int = 10_000, *, clock: Clock = time.monotonic
    ) -> None:
        if ttl is not None and ttl < 0:
            raise ConfigurationError("ApiKeyCache ttl must be >= 0 (0 or None: no caching)")
        if max_size < 1:
            raise ConfigurationError("ApiKeyCache max_size must be at least 1")
        self.ttl = ttl or 0.0
        self.max_size = max_size
        self._clock = clock
        self._salt = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, tuple[float, ApiKeyValidation]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ApiKeyCache(ttl={self.ttl}, max_size={self.max_size}, entries={len(self)})"

    def digest(self, api_key: str) -> bytes:
        return hashlib.blake2b(api_key.encode(), key=self._salt, digest_size=32).digest()

    def get(self, api_key: str) -> ApiKeyValidation | None:
        if not self.ttl:
            return None
        digest = self.digest(api_key)
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= self._clock():
            if entry is not None:
                del self._entries[digest]
            self.misses += 1
            return None
        self._entries.move_to_end(digest)
        self.hits += 1
        return entry[1]

    def put(self, api_key: str, validation: ApiKeyValidation) -> None:
        if not self.ttl:
            return
        digest = self.digest(api_key)
        self._entries[digest] = (self._clock() + self.ttl, validation)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def bearer_credentials(authorization: str | None) -> str | None:
    """The credentials of an ``Authorization: Bearer <x>`` header (any case, any spacing)."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    value = rest.strip()
    return value if scheme.lower() == "bearer" and value else None


def is_access_token(credentials: str) -> bool:
    """Access tokens are JWTs (three dot-separated parts); end-user API keys have no dots."""
    return credentials.count(".") == 2


async def validate_api_key(
    client: AsyncPropelAuth, api_key: str, cache: ApiKeyCache | None
) -> ApiKeyValidation:
    """Who the key belongs to. An unknown, archived or expired key is a ``TokenError``
    (401); the end user's own rate limit stays ``EndUserRateLimitError`` (429)."""
    cached = cache.get(api_key) if cache is not None else None
    if cached is not None:
        return cached
    try:
        validation = await client.api_keys.validate(api_key)
    except (NotFoundError, BadRequestError, InvalidArgumentError):
        raise TokenError("invalid_api_key", "the API key is unknown, deleted or expired") from None
    if cache is not None:
        cache.put(api_key, validation)
    return validation


def as_org_key(validation: ApiKeyValidation, org_id: str | None) -> OrgApiKeyValidation:
    """The validation of an org key (for ``org_id`` when given), or ``AccessDeniedError``."""
    if validation.org is None:
        raise AccessDeniedError("this needs an org API key; a personal key was presented")
    if org_id is not None and validation.org.org_id != org_id:
        raise AccessDeniedError(f"the API key belongs to another org than {org_id}")
    return OrgApiKeyValidation(
        metadata=validation.metadata,
        org=validation.org,
        user=validation.user,
        user_in_org=validation.user_in_org,
    )
