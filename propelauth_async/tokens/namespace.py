"""``client.tokens``: verify access tokens locally with the project's key."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._transport import Requester
from ..errors import (
    ConfigurationError,
    InvalidArgumentError,
    MalformedResponseError,
    NotFoundError,
    TokenError,
)
from .claims import AuthenticatedUser
from .keys import KeySource
from .verifier import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_LEEWAY,
    DEFAULT_MAX_TOKEN_BYTES,
    TokenVerifier,
    split_token,
    token_from_authorization,
)


def _pem_from(data: Any) -> str:
    if isinstance(data, dict):
        for field in ("verifier_key_pem", "public_key_pem"):
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                return value
    raise MalformedResponseError("the verification metadata has no key PEM", status_code=200)


class Tokens:
    """Access-token verification. Reach it as ``client.tokens``.

    ``await client.tokens.verify(request.headers.get("authorization"))`` costs one RSA
    verification (tens of microseconds) and no network once the key is cached.
    """

    def __init__(
        self,
        requester: Requester,
        *,
        issuer: str,
        verifier_key_pem: str | None = None,
        leeway: float = DEFAULT_LEEWAY,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        key_refresh_interval: float | None = 3600.0,
        key_min_refresh_interval: float = 60.0,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._requester = requester
        self.issuer = issuer
        self._max_token_bytes = max_token_bytes

        def build(pem: str) -> TokenVerifier:
            return TokenVerifier(
                pem,
                issuer=issuer,
                leeway=leeway,
                max_token_bytes=max_token_bytes,
                cache_size=cache_size,
            )

        try:
            self.keys = KeySource(
                None if verifier_key_pem is not None else self._fetch_pem,
                build,
                pem=verifier_key_pem,
                refresh_interval=key_refresh_interval,
                min_refresh_interval=key_min_refresh_interval,
            )
        except ConfigurationError as exc:
            raise ConfigurationError(f"verifier_key_pem: {exc}") from None

    async def _fetch_pem(self) -> str:
        data = await self._requester.request(endpoints.TOKEN_VERIFICATION_METADATA)
        if data is None:  # a 404 (the row says so): an older deployment serves the other path
            data = await self._requester.request(endpoints.LEGACY_TOKEN_VERIFICATION_METADATA)
        return _pem_from(data)

    async def verify(self, authorization_header_or_token: str | None) -> AuthenticatedUser:
        """The user behind an ``Authorization: Bearer ...`` header (or a bare token).

        Raises :class:`~propelauth_async.errors.TokenError` (``.reason`` says why) for any
        token that is not valid. When the key cannot be fetched it raises
        :class:`KeyConfigurationError` (wrong API key or auth URL: a 500 for a service) or
        :class:`KeyUnavailableError` (transient: a 503), both ``TokenError`` too. A signature
        that fails against the cached key waits for a key refresh (joining one in flight) and
        is checked once more against the new key, so a rotated key is picked up.
        """
        if not isinstance(authorization_header_or_token, (str, type(None))):
            raise InvalidArgumentError(
                "authorization_header_or_token",
                f"must be a string or None, got a {type(authorization_header_or_token).__name__}",
            )
        token = token_from_authorization(authorization_header_or_token)
        if self.keys.cached is None:
            split_token(token, self._max_token_bytes)  # junk never costs a key fetch
        verifier = await self.keys.verifier()
        try:
            return verifier.verify(token)
        except TokenError as exc:
            if exc.reason != "bad_signature" or not await self.keys.refresh_after_failure(verifier):
                raise
        return (await self.keys.verifier()).verify(token)

    async def verifier(self) -> TokenVerifier:
        """The current synchronous verifier (fetching the key if needed), for hot loops that
        verify many tokens without awaiting. It does not refresh itself: ask again later."""
        return await self.keys.verifier()

    async def prefetch(self) -> None:
        """Fetch the key now, at start-up, so a wrong API key or auth URL fails the deploy
        instead of the first request. Raises :class:`KeyConfigurationError` or
        :class:`KeyUnavailableError`; makes no request when the PEM was given."""
        await self.keys.prefetch()

    async def refresh_key(self) -> None:
        """The 0.1 name of :meth:`prefetch`."""
        await self.keys.prefetch()

    async def check_connection(self) -> None:
        """``client.check()``: one authenticated GET of the verification metadata, telling a
        wrong API key (:class:`AuthenticationError` or :class:`ForbiddenError`) from a wrong
        auth URL (:class:`ConfigurationError`) and an unreachable host (:class:`TransportError`).
        """
        try:
            await self._fetch_pem()
        except NotFoundError as exc:
            raise ConfigurationError(
                f"{self.issuer} is not a PropelAuth auth URL (the backend answered 404 for its "
                "token verification metadata): check the auth URL"
            ) from exc


__all__ = ["Tokens"]
