"""Local RS256 verification of PropelAuth access tokens: microseconds, no network, one reading.

The key is parsed once, when the verifier is built. A token is accepted only if every JWT
library would read it the same way we do, so each verification runs, in order:

- a size limit, before any decoding;
- the shape: three segments of canonical base64url (no padding, no stray characters, no
  non-zero unused bits, so no second spelling of the same bytes);
- the header: strict JSON with only ``alg`` = ``RS256``, ``typ`` = ``JWT`` and an optional
  ``kid`` (ignored: the key is never chosen by the token);
- the signature (RS256 against our key; joserfc parses and checks the key once);
- the payload: plain UTF-8, strict JSON (no duplicate member name at any depth, nesting at most
  :data:`MAX_JSON_DEPTH`, no ``NaN``/``Infinity``/overflowing numbers, no lone surrogates);
- the claims: issuer, then ``exp``, ``iat`` and ``nbf`` as integers before the year 3000,
  against the clock with a leeway.

Every failure is a :class:`~propelauth_async.errors.TokenError` whose ``reason`` says which
check failed; no message repeats the token.

A token that verified twice (the second time before ``cache_size`` other new tokens passed) is
remembered: its :class:`AuthenticatedUser`, which is deeply immutable, and its time claims, in
a bounded cache keyed by the whole token string, signature included. A later call for the same
token checks only the time claims against the clock. A token seen once stores only its hash,
so a stream of one-off tokens keeps nothing alive for the garbage collector to walk. The cache
belongs to the verifier, and a new key means a new verifier, so a key change empties it.
"""

from __future__ import annotations

import binascii
import json
import math
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..errors import ConfigurationError, TokenError
from .claims import AuthenticatedUser, user_from_claims

DEFAULT_LEEWAY = 60.0
DEFAULT_MAX_TOKEN_BYTES = 16 * 1024
DEFAULT_CACHE_SIZE = 4096
MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays accepted in a header or payload (PropelAuth's is 4)."""
MAX_TIME = 32_503_680_000
"""``exp``, ``iat`` and ``nbf`` must be integers from 0 to this (1 January 3000, UTC)."""

_HEADER_CACHE_SIZE = 64
_STRING_CLAIMS = ("sub", "jti")
_BASE64URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# The last character of an unpadded segment may only carry zero bits past the data: with 2
# characters in the last quantum, 4 unused bits; with 3, 2 unused bits. One spelling per value.
_CANONICAL_LAST = {
    2: frozenset(b"AQgw"),
    3: frozenset(b"AEIMQUYcgkosw048"),
}
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_STRINGS_AND_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_OPENERS = frozenset("[{")
_ALLOWED_HEADER = {"alg", "typ", "kid"}


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("a number overflows")
    return value


# One decoder for headers and payloads: the C scanner, with hooks only where it is lenient.
_STRICT_JSON = json.JSONDecoder(
    object_pairs_hook=_refuse_duplicates,
    parse_constant=_refuse_constant,
    parse_float=_finite_float,
)


_PADDING = (b"", b"", b"==", b"=")


def _a2b_checked(segment: bytes, padding: bytes) -> bytes:
    """Python 3.10: check the alphabet in one pass, then decode."""
    if segment.translate(None, _BASE64URL):  # anything left is not base64url
        raise TokenError("malformed", "a segment of the token is not base64url")
    return binascii.a2b_base64(segment.translate(_TO_STANDARD) + padding)


_a2b = _a2b_checked

if sys.version_info >= (3, 11):
    # "+", "/" and "=" (not in unpadded base64url) become "*", which strict decoding refuses:
    # one pass checks the alphabet and decodes.
    _TO_STRICT_STANDARD = bytes.maketrans(b"-_+/=", b"+/***")

    def _a2b_strict(segment: bytes, padding: bytes) -> bytes:
        try:
            return binascii.a2b_base64(
                segment.translate(_TO_STRICT_STANDARD) + padding, strict_mode=True
            )
        except binascii.Error:
            raise TokenError("malformed", "a segment of the token is not base64url") from None

    _a2b = _a2b_strict


def _segment_bytes(segment: bytes, what: str) -> bytes:
    """Canonical unpadded base64url, decoded; anything else is ``malformed``."""
    rest = len(segment) & 3
    if rest:
        allowed = _CANONICAL_LAST.get(rest)
        if allowed is None or segment[-1] not in allowed:
            raise TokenError("malformed", f"the token's {what} is not canonical base64url")
        return _a2b(segment, _PADDING[rest])
    return _a2b(segment, b"")


def _depth(text: str) -> int:
    deepest = depth = 0
    for match in _STRINGS_AND_BRACKETS.finditer(text):
        token = match.group()
        if token in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif len(token) == 1:
            depth -= 1
    return deepest


def strict_json(data: bytes, what: str) -> dict[str, Any]:
    """A JSON object from plain UTF-8 that every JSON parser reads the same way."""
    try:
        text = data.decode("utf-8")  # strict: no UTF-16, no invalid sequences
    except UnicodeDecodeError:
        raise TokenError("malformed", f"the token's {what} is not UTF-8") from None
    # Every level of nesting needs a bracket, so few brackets prove shallow nesting cheaply.
    if data.count(b"{") + data.count(b"[") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
        raise TokenError("malformed", f"the token's {what} is nested too deep")
    try:
        value = _STRICT_JSON.decode(text)  # a leading BOM is refused here too
        if b"\\" in data and _SURROGATE_ESCAPE.search(data) is not None:
            json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
    except (ValueError, RecursionError):
        raise TokenError("malformed", f"the token's {what} is not strict JSON") from None
    if type(value) is not dict:
        raise TokenError("malformed", f"the token's {what} is not a JSON object")
    return value


def _time(claims: dict[str, Any], name: str) -> int:
    value = claims.get(name)
    if value is None:
        raise TokenError("missing_claim", f"the token has no {name} claim")
    if type(value) is not int or not 0 <= value <= MAX_TIME:
        raise TokenError("invalid_claims", f"the {name} claim is not a time (whole seconds)")
    return value


def split_token(token: str, max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES) -> list[bytes]:
    """The three segments of a plausibly shaped JWT, checked without decoding anything.

    Run before a key is even looked up, so junk never costs a key fetch.
    """
    if not isinstance(token, str):
        raise TokenError("malformed", "the token is not a string")
    if len(token) > max_token_bytes:
        raise TokenError("too_large", f"the token is longer than {max_token_bytes} bytes")
    if not token.isascii():
        raise TokenError("malformed", "the token is not a signed JWT (three base64url parts)")
    parts = token.encode("ascii").split(b".")
    if len(parts) != 3 or not all(parts):
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


def _check_header(header: dict[str, Any]) -> None:
    if header.get("alg") != "RS256":
        raise TokenError("unsupported_algorithm", "the token is not signed with RS256")
    unknown = header.keys() - _ALLOWED_HEADER
    if unknown:
        names = ", ".join(sorted(name[:20] for name in unknown)[:5])
        raise TokenError(
            "unsupported_header", f"the token's header has unknown parameters: {names}"
        )
    if header.get("typ", "JWT") != "JWT":
        raise TokenError("unsupported_header", "the token's typ is not JWT")
    if not isinstance(header.get("kid", ""), str):
        raise TokenError("unsupported_header", "the token's kid is not a string")


class TokenVerifier:
    """Verifies access tokens with one RSA public key; synchronous, thread-safe, no I/O.

    ``await client.tokens.verify(...)`` keeps one for you, fetching and rotating the key; build
    one yourself when you already hold the PEM (``verifier.verify(token)``). ``cache_size``
    bounds the cache of verified tokens (0 turns it off).
    """

    def __init__(
        self,
        public_key_pem: str | bytes,
        *,
        issuer: str,
        leeway: float = DEFAULT_LEEWAY,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        cache_size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from joserfc.jwk import RSAKey  # imported here: `import propelauth_async` stays light

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
        if not isinstance(cache_size, int) or cache_size < 0:
            raise ConfigurationError("cache_size must be a whole number, 0 or more")
        self.issuer = issuer
        self.leeway = float(leeway)
        self.max_token_bytes = max_token_bytes
        self.cache_size = cache_size
        self._clock = clock
        self.public_key_pem = key.as_pem(private=False).decode()
        # joserfc validated the key; each signature goes straight to the cryptography key it
        # holds (RS256 is PKCS#1 v1.5 with SHA-256), without joserfc's per-call dispatch.
        self._public_key = key.public_key
        self._pkcs1v15 = padding.PKCS1v15()
        self._sha256 = hashes.SHA256()
        self._good_headers: set[bytes] = set()
        # token -> (user, exp, iat, nbf or None); only for tokens verified at least twice.
        self._verified: OrderedDict[str, tuple[AuthenticatedUser, int, int, int | None]] = (
            OrderedDict()
        )
        self._seen_once: set[int] = set()

    def verify(self, token: str) -> AuthenticatedUser:
        """The user the token vouches for, or :class:`TokenError`.

        The user is immutable all the way down (mappings are read-only, lists are tuples), so
        the same object can be handed to every caller of the same token.
        """
        if type(token) is str:
            hit = self._verified.get(token)
            if hit is not None:
                user, exp, iat, nbf = hit
                self._check_time(exp, iat, nbf)
                return user
        claims = self.verify_claims(token)
        user = user_from_claims(claims)
        if self.cache_size:
            fingerprint = hash(token)
            if fingerprint in self._seen_once:
                self._remember(token, user, claims)
            else:
                self._seen_once_add(fingerprint)
        return user

    def verify_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature and time claims check out: a fresh dict on
        every call, never shared with the cache or another caller."""
        if not isinstance(token, str) or len(token) > self.max_token_bytes or not token.isascii():
            split_token(token, self.max_token_bytes)  # raises the precise error
        signing_input, _, signature_b64 = token.encode("ascii").rpartition(b".")
        header_b64, _, payload_b64 = signing_input.partition(b".")
        if not (header_b64 and payload_b64 and signature_b64):
            raise TokenError("malformed", "the token is not a signed JWT (three base64url parts)")
        # A fourth or fifth segment leaves a "." in the payload, which base64url refuses.
        payload = _segment_bytes(payload_b64, "payload")
        signature = _segment_bytes(signature_b64, "signature")
        if header_b64 not in self._good_headers:
            self._check_header(header_b64)
        try:
            self._public_key.verify(signature, signing_input, self._pkcs1v15, self._sha256)
        except Exception:  # cryptography's InvalidSignature; any failure is a refusal
            raise TokenError(
                "bad_signature", "the token's signature does not match the key"
            ) from None
        claims = strict_json(payload, "payload")
        if claims.get("iss") != self.issuer:
            raise TokenError("invalid_issuer", f"the token was not issued by {self.issuer}")
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        if not (type(exp) is int and type(iat) is int and nbf is None):
            exp, iat = _time(claims, "exp"), _time(claims, "iat")
            nbf = None if nbf is None else _time(claims, "nbf")
        elif not (0 <= exp <= MAX_TIME and 0 <= iat <= MAX_TIME):
            raise TokenError("invalid_claims", "a time claim is out of range (whole seconds)")
        self._check_time(exp, iat, nbf)
        if "sub" in claims or "jti" in claims:
            for name in _STRING_CLAIMS:
                if name in claims and type(claims[name]) is not str:
                    raise TokenError("invalid_claims", f"the {name} claim is not a string")
        return claims

    def _check_header(self, header_b64: bytes) -> None:
        """Strict reading of a header; the ones that pass are remembered (every token of a
        project carries the same one or two headers)."""
        _check_header(strict_json(_segment_bytes(header_b64, "header"), "header"))
        if len(self._good_headers) >= _HEADER_CACHE_SIZE:
            self._good_headers.clear()
        self._good_headers.add(header_b64)

    def _check_time(self, exp: int, iat: int, nbf: int | None) -> None:
        now = self._clock()
        leeway = self.leeway
        if exp + leeway < now:
            raise TokenError("expired", "the token has expired")
        if iat - leeway > now:
            raise TokenError("issued_in_future", "the token's iat is in the future")
        if nbf is not None and nbf - leeway > now:
            raise TokenError("not_yet_valid", "the token is not valid yet (nbf)")

    def _seen_once_add(self, fingerprint: int) -> None:
        """A token seen once leaves only its hash behind, an int the garbage collector does
        not track. A token is cached when it comes back before ``cache_size`` other new tokens
        have passed (a session's next request); a stream of one-off tokens, or a cycle longer
        than the cache, never pays for storing results that would be evicted unused."""
        seen = self._seen_once
        if len(seen) >= self.cache_size:
            seen.clear()
        seen.add(fingerprint)

    def _remember(self, token: str, user: AuthenticatedUser, claims: dict[str, Any]) -> None:
        cache = self._verified
        while len(cache) >= self.cache_size:
            try:
                cache.popitem(last=False)  # the oldest entry, in O(1)
            except KeyError:  # another thread emptied it first
                break
        cache[token] = (user, claims["exp"], claims["iat"], claims.get("nbf"))
