"""The API-key validation cache: TTL on an injected clock, bounded, keyed by a salted hash."""

from __future__ import annotations

import pytest

from propelauth_async import ConfigurationError
from propelauth_async.integrations._api_keys import (
    ApiKeyCache,
    bearer_credentials,
    is_access_token,
)
from propelauth_async.models.api_keys import ApiKeyValidation


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ttl_expiry_on_the_injected_clock() -> None:
    clock = Clock()
    cache = ApiKeyCache(ttl=10, clock=clock)
    validation = ApiKeyValidation(metadata={"n": 1})
    cache.put("api_secret_key", validation)
    clock.now = 9.99
    assert cache.get("api_secret_key") is validation
    clock.now = 10.0
    assert cache.get("api_secret_key") is None
    assert len(cache) == 0
    assert (cache.hits, cache.misses) == (1, 1)


def test_bounded_least_recently_used_first() -> None:
    cache = ApiKeyCache(ttl=60, max_size=3, clock=Clock())
    for n in range(3):
        cache.put(f"key{n}", ApiKeyValidation(metadata={"n": n}))
    assert cache.get("key0") is not None  # key0 is now the most recent
    cache.put("key3", ApiKeyValidation())
    assert len(cache) == 3
    assert cache.get("key1") is None
    assert all(cache.get(k) is not None for k in ("key0", "key2", "key3"))


def test_never_holds_the_key_and_digests_are_salted() -> None:
    cache, other = ApiKeyCache(), ApiKeyCache()
    cache.put("api_very_secret_value", ApiKeyValidation())
    stored = list(cache._entries)
    assert stored == [cache.digest("api_very_secret_value")]
    assert b"api_very_secret_value" not in stored[0]
    assert cache.digest("k") != other.digest("k")  # a digest cannot be tested elsewhere
    assert "api_very_secret_value" not in repr(cache)


def test_off_means_every_request_validates() -> None:
    for off in (ApiKeyCache(ttl=0), ApiKeyCache(ttl=None)):
        off.put("k", ApiKeyValidation())
        assert off.get("k") is None
        assert len(off) == 0
    with pytest.raises(ConfigurationError):
        ApiKeyCache(ttl=-1)
    with pytest.raises(ConfigurationError):
        ApiKeyCache(max_size=0)


def test_credentials_parsing() -> None:
    assert bearer_credentials("Bearer abc") == "abc"
    assert bearer_credentials("  bearer   abc ") == "abc"
    assert bearer_credentials("Basic abc") is None
    assert bearer_credentials("Bearer ") is None
    assert bearer_credentials(None) is None
    assert is_access_token("a.b.c") and not is_access_token("api_0123abcd")
