"""The emulator's signing key, the access tokens it mints (RS256, PropelAuth's claim layout), and
the token-verification metadata endpoints that publish its public key."""

from __future__ import annotations

import threading
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import State, UserRecord, bad_request, not_found

GENERATED_FROM_BACKEND_API = {"login_method": "generated_from_backend_api"}


class SigningKey:
    """An RSA-2048 key pair; ``rotate()`` replaces it, invalidating every earlier token.

    The pair is made on first use: making one costs 50 to 150 ms, and most emulators (one per
    test, often) never sign a token or show their key.
    """

    def __init__(self) -> None:
        self._made: RSAKey | None = None
        self._lock = threading.Lock()  # the served emulator answers from its own thread
        self.rotations = 0

    @property
    def _key(self) -> RSAKey:
        with self._lock:
            if self._made is None:
                self._made = RSAKey.generate_key(2048)
            return self._made

    def rotate(self) -> None:
        made = RSAKey.generate_key(2048)
        with self._lock:
            self._made = made
            self.rotations += 1

    @property
    def public_pem(self) -> str:
        pem: bytes = self._key.as_pem(private=False)
        return pem.decode()

    @property
    def private_pem(self) -> str:
        pem: bytes = self._key.as_pem(private=True)
        return pem.decode()

    def sign(self, claims: dict[str, Any], *, headers: dict[str, Any] | None = None) -> str:
        header = {"alg": "RS256", "typ": "JWT", **(headers or {})}
        return jwt.encode(header, claims, self._key, algorithms=["RS256"])


def access_token_claims(
    state: State,
    user: UserRecord,
    *,
    issuer: str,
    expires_in: int,
    active_org_id: str | None = None,
    login_method: dict[str, Any] | None = None,
    issued_at: int | None = None,
) -> dict[str, Any]:
    """Claims as PropelAuth lays them out: one active org in ``org_member_info``, or every
    membership in ``org_id_to_org_member_info``."""
    iat = int(time.time()) if issued_at is None else issued_at
    claims: dict[str, Any] = {
        "sub": user.user_id,
        "user_id": user.user_id,
        "iss": issuer,
        "iat": iat,
        "exp": iat + expires_in,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "properties": dict(user.properties),
        "legacy_user_id": user.legacy_user_id,
        "login_method": login_method or GENERATED_FROM_BACKEND_API,
    }
    if active_org_id is not None:
        org = state.org(active_org_id)
        if user.user_id not in org.members:
            raise bad_request("active_org_id", "User is not a member of this organization")
        claims["org_member_info"] = state.member_info(org, user.user_id)
    else:
        claims["org_id_to_org_member_info"] = state.memberships_json(user.user_id)
    return claims


def mint(
    state: State,
    user_id: str,
    *,
    issuer: str,
    expires_in: int,
    active_org_id: str | None = None,
) -> str:
    user = state.users.get(user_id)
    if user is None:
        raise not_found("user")
    claims = access_token_claims(
        state, user, issuer=issuer, expires_in=expires_in, active_org_id=active_org_id
    )
    return state.signing_key.sign(claims)


def verification_metadata(state: State, req: Request) -> Any:
    return {"verifier_key_pem": state.signing_key.public_pem}


def legacy_verification_metadata(state: State, req: Request) -> Any:
    return {"public_key_pem": state.signing_key.public_pem}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.TOKEN_VERIFICATION_METADATA: verification_metadata,
    endpoints.LEGACY_TOKEN_VERIFICATION_METADATA: legacy_verification_metadata,
}
