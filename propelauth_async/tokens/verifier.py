"""Local RS256 verification of PropelAuth access tokens: microseconds, no network, no surprises.

The key is parsed once, when the verifier is built. Each verification then runs, in order:
a size limit (before any decoding), a shape check (three base64url segments, so ``none``
tokens with an empty signature and five-part JWEs are refused), the header (``alg`` must be
exactly ``RS256``; ``crit`` is refused; a key named in the header is never used), the signature
(joserfc's RS256 against our key), and only then the claims (issuer, expiry, issued-at,
not-before, with a leeway). Every failure is a :class:`~propelauth_async.errors.TokenError`
whose ``reason`` says which check failed; no message repeats the token.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable
from typing import Any

from ..errors import ConfigurationError, TokenError
from .claims import AuthenticatedUser, user_from_claims

DEFAULT_LEEWAY = 60.0
DEFAULT_MAX_TOKEN_BYTES = 16 * 1024
# Only the signature segment needs its alphabet checked: the header and payload text are what
# the signature covers, so a stray character there already fails verification, while Python's
# lenient base64 would let stray characters ride along in a signature that still verifies.
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]+")
_HEADER_CACHE_SIZE = 64
# Decoded payloads of tokens whose signature verified, keyed by the payload text. A service
# sees the same token on every request of a session; the signature and the time claims are
# still checked on every call, only the JSON decoding is not repeated.
_CLAIMS_CACHE_SIZE = 4096
_STRING_CLAIMS = ("sub", "jti")


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64(segment))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise TokenError("malformed", f"the token's {what} is not base64url JSON") from None
    if not isinstance(value, dict):
        raise TokenError("malformed", f"the token's {what} is not a JSON object")
    return value


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if value is None:
        raise TokenError("missing_claim", f"the token has no {name} claim")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TokenError("invalid_claims", f"the {name} claim is not a number")
    return float(value)


def split_token(token: str, max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES) -> list[str]:
    """The three segments of a plausibly shaped JWT, checked without decoding anything.

    Run before a key is even looked up, so junk never costs a key fetch.
    """
    if not isinstance(token, str):
        raise TokenError("malformed", "the token is not a string")
    if len(token) > max_token_bytes:
        raise TokenError("too_large", f"the token is longer than {max_token_bytes} bytes")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts) or not token.isascii():
        raise TokenError("malformed", "the token is not a signed JWT (three base64url parts)")
    return parts


def token_from_authorization(value: str | None) -> str:
    """The token of an ``Authorization`` header, or a bare token as it is.

    As lenient as FastAPI: the scheme ``Bearer`` in any case, spaces around the parts ignored.
    Any other scheme, or a header with nothing after the scheme, is refused.
    """
    if value is None or not value.strip():
        raise TokenError("missing", "no authorization header or token was given")
    text = value.strip()
    if " " not in text:
        if text.lower() == "bearer":
            raise TokenError("invalid_header", "the Authorization header has no token")
        return text
    scheme, _, token = text.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise TokenError(
            "invalid_header", "expected an Authorization header of the form Bearer <token>"
        )
    return token


class TokenVerifier:
    """Verifies access tokens with one RSA public key; synchronous, thread-safe, no I/O.

    ``await client.tokens.verify(...)`` keeps one for you, fetching and rotating the key; build
    one yourself when you already hold the PEM (``verifier.verify(token)``).
    """

    def __init__(
        self,
        public_key_pem: str | bytes,
        *,
        issuer: str,
        leeway: float = DEFAULT_LEEWAY,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from joserfc.jwk import RSAKey  # imported here: `import propelauth_async` stays light
        from joserfc.jws import JWSRegistry

        try:
            key = RSAKey.import_key(public_key_pem)
        except Exception as exc:  # joserfc and cryptography raise several kinds
            raise ConfigurationError(
                "the verifier key is not an RSA public key in PEM form"
            ) from exc
        if key.is_private:
            key = RSAKey.import_key(key.as_pem(private=False))
        if key.public_key.key_size < 2048:
            raise ConfigurationError("the verifier key is shorter than 2048 bits")
        if not issuer.startswith("https://"):
            raise ConfigurationError("the issuer must be https://<auth host>")
        self.issuer = issuer
        self.leeway = float(leeway)
        self.max_token_bytes = max_token_bytes
        self._clock = clock
        self._key = key
        self._rs256 = JWSRegistry.algorithms["RS256"]
        self.public_key_pem = key.as_pem(private=False).decode()
        self._good_headers: set[str] = set()
        self._decoded: dict[str, dict[str, Any]] = {}

    def verify(self, token: str) -> AuthenticatedUser:
        """The user the token vouches for, or :class:`TokenError`."""
        return user_from_claims(self.verify_claims(token))

    def verify_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature and time claims check out.

        The dict may be shared with later calls for the same token: read it, do not change it
        (``verify`` hands out fresh copies inside ``AuthenticatedUser``).
        """
        header_b64, payload_b64, signature_b64 = split_token(token, self.max_token_bytes)
        if header_b64 not in self._good_headers:
            self._check_header(header_b64)
        if _SIGNATURE.fullmatch(signature_b64) is None:
            raise TokenError("malformed", "the token's signature is not base64url")
        try:
            signature = _b64(signature_b64)
        except binascii.Error:
            raise TokenError("malformed", "the token's signature is not base64url") from None
        signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
        if not self._rs256.verify(signing_input, signature, self._key):
            raise TokenError("bad_signature", "the token's signature does not match the key")
        claims = self._decoded.get(payload_b64)
        if claims is None:
            claims = _json_segment(payload_b64, "payload")
            if len(self._decoded) >= _CLAIMS_CACHE_SIZE:
                self._decoded.clear()
            self._decoded[payload_b64] = claims
        self._check_time_and_issuer(claims)
        return claims

    def _check_header(self, header_b64: str) -> None:
        """Refuses any header but RS256 without ``crit``; remembers the ones that pass (every
        token of a project carries the same few headers, so this runs a handful of times)."""
        header = _json_segment(header_b64, "header")
        if header.get("alg") != "RS256":
            raise TokenError("unsupported_algorithm", "the token is not signed with RS256")
        if "crit" in header:
            raise TokenError("unsupported_header", "the token has critical header parameters")
        if len(self._good_headers) >= _HEADER_CACHE_SIZE:
            self._good_headers.clear()
        self._good_headers.add(header_b64)

    def _check_time_and_issuer(self, claims: dict[str, Any]) -> None:
        if claims.get("iss") != self.issuer:
            raise TokenError("invalid_issuer", f"the token was not issued by {self.issuer}")
        now = self._clock()
        if _number(claims, "exp") + self.leeway < now:
            raise TokenError("expired", "the token has expired")
        if _number(claims, "iat") - self.leeway > now:
            raise TokenError("issued_in_future", "the token's iat is in the future")
        if "nbf" in claims and _number(claims, "nbf") - self.leeway > now:
            raise TokenError("not_yet_valid", "the token is not valid yet (nbf)")
        for name in _STRING_CLAIMS:
            if name in claims and not isinstance(claims[name], str):
                raise TokenError("invalid_claims", f"the {name} claim is not a string")
