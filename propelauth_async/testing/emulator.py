"""``Emulator``: an in-memory PropelAuth backend for tests, demos and benchmarks."""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import attrs
import httpx

from .. import _endpoints as E
from .._client import AsyncPropelAuth
from .._convert import structure
from ..models.users import User
from . import _users
from ._app import EmulatorApp, Handler, Router
from ._faults import Fault, Faults
from ._ratelimit import RetryAfterFormat, TokenBucket
from ._request import Request
from ._roles import RoleHierarchy
from ._server import ThreadServer
from ._state import EmulatorError, State, bad_request, new_id, user_json
from ._tokens import SigningKey, mint

DEFAULT_AUTH_HOST = "auth.emulator.test"


@attrs.define
class EmulatorStats:
    """Counters for tests and benchmarks (every request, including refused ones)."""

    requests: int = 0
    served: int = 0
    rate_limited: int = 0
    unauthorized: int = 0
    faults: int = 0


class Emulator:
    """PropelAuth's backend API, in memory, speaking the real wire format.

    Use it in process (``emulator.client()`` before serving goes through
    ``httpx.ASGITransport``) or over real HTTP with :func:`serve_emulator`. Seed it from Python
    (:meth:`add_user`, :meth:`add_org`, :meth:`add_member`), script failures with
    :meth:`inject`, and switch on a per-key rate limit with ``rate_limit``/``burst`` (its 429
    says how long to wait as ``retry_after_format`` says; ``rate_limit_headers`` adds
    ``x-ratelimit-limit``/``-remaining`` to every answer; :meth:`set_rate_limit` changes it
    while serving).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        roles: RoleHierarchy | None = None,
        b2b_enabled: bool = True,
        rate_limit: float | None = None,
        burst: int = 10,
        retry_after_format: RetryAfterFormat = "seconds",
        rate_limit_headers: bool = False,
        seed: int | None = None,
        auth_host: str = DEFAULT_AUTH_HOST,
        access_tokens_enabled: bool = True,
    ) -> None:
        self.api_key = api_key or f"emu_{secrets.token_hex(24)}"
        self.state = State(roles=roles or RoleHierarchy(), b2b_enabled=b2b_enabled)
        self.stats = EmulatorStats()
        self.faults = Faults(seed)
        self.bucket = TokenBucket(rate_limit, burst) if rate_limit else None
        self.retry_after_format: RetryAfterFormat = retry_after_format
        self.rate_limit_headers = rate_limit_headers
        self.access_tokens_enabled = access_tokens_enabled
        self.key = SigningKey()
        self._auth_host = auth_host
        self.url: str | None = None
        self.app = EmulatorApp(self, Router(self._routes()))

    def __repr__(self) -> str:
        where = self.url or "in process"
        return f"Emulator({where}, users={len(self.state.users)}, orgs={len(self.state.orgs)})"

    # Serving ---------------------------------------------------------------------------------

    @property
    def auth_host(self) -> str:
        """The host clients name in ``X-Propelauth-url``; tokens are issued for it."""
        if self.url is not None:
            return urllib.parse.urlsplit(self.url).netloc
        return self._auth_host

    @property
    def issuer(self) -> str:
        return f"https://{self.auth_host}"

    def client(self, **options: Any) -> AsyncPropelAuth:
        """An ``AsyncPropelAuth`` wired to this emulator: over HTTP when it is served,
        otherwise in process through ``httpx.ASGITransport``."""
        if self.url is not None:
            return AsyncPropelAuth(self.url, self.api_key, **options)
        transport = httpx.ASGITransport(app=self.app)
        return AsyncPropelAuth(
            f"https://{self._auth_host}", self.api_key, transport=transport, **options
        )

    def set_rate_limit(self, rate: float | None, burst: int | None = None) -> None:
        """Change (or switch on, or with ``None`` off) the per-key limit, even while serving."""
        if rate is None:
            self.bucket = None
        elif self.bucket is None:
            self.bucket = TokenBucket(rate, burst or 10)
        else:
            self.bucket.set_limit(rate, burst)

    # Seeding and inspection ------------------------------------------------------------------

    def add_user(self, email: str, **fields: Any) -> str:
        """Create a user directly (no HTTP) and return its id. ``fields`` are user record
        fields: ``username``, ``first_name``, ``password``, ``properties``, ``created_at``..."""
        with self.state.lock:
            fields.setdefault("email_confirmed", True)
            return _users.create_user_record(self.state, {"email": email, **fields}).user_id

    def user(self, user_id: str) -> User | None:
        """The user as the API would return it (with orgs), or ``None``."""
        with self.state.lock:
            record = self.state.users.get(user_id)
            if record is None:
                return None
            return structure(user_json(self.state, record, include_orgs=True), User)

    def user_record(self, user_id: str) -> Any:
        """The raw mutable record, for tests that need what the API does not show."""
        return self.state.users.get(user_id)

    def users_with_email(self, email: str) -> list[str]:
        with self.state.lock:
            return [
                u.user_id for u in self.state.users.values() if u.email.lower() == email.lower()
            ]

    @property
    def user_count(self) -> int:
        return len(self.state.users)

    def add_org(self, name: str, **fields: Any) -> str:
        """Create an organization directly and return its id."""
        from . import _orgs

        with self.state.lock:
            return _orgs.create_org_record(self.state, name, fields).org_id

    def add_member(
        self,
        org_id: str,
        user_id: str,
        role: str | None = None,
        additional_roles: Sequence[str] = (),
    ) -> None:
        """Make ``user_id`` a member of ``org_id`` (the lowest role unless one is given)."""
        from . import _orgs

        with self.state.lock:
            _orgs.add_member(self.state, org_id, user_id, role, list(additional_roles))

    def add_role_mapping(self, name: str, roles: RoleHierarchy) -> None:
        with self.state.lock:
            self.state.role_mappings[name] = roles

    # Employees, SCIM, step-up MFA, magic links --------------------------------------------------

    def add_employee(self, email: str) -> str:
        """A PropelAuth dashboard employee; returns its id."""
        employee_id = new_id()
        with self.state.lock:
            self.state.employees[employee_id] = email
        return employee_id

    def add_scim_group(
        self,
        org_id: str,
        display_name: str,
        member_ids: Sequence[str] = (),
        *,
        external_id: str | None = None,
    ) -> str:
        """A SCIM group pushed by the org's IdP; returns its id."""
        group_id = new_id()
        with self.state.lock:
            self.state.org(org_id)
            self.state.scim_groups.setdefault(org_id, {})[group_id] = {
                "group_id": group_id,
                "display_name": display_name,
                "external_id_from_idp": external_id,
                "members": list(member_ids),
            }
        return group_id

    def add_mfa_phone(self, user_id: str, suffix: str = "1234") -> str:
        """Give a user an MFA phone for step-up SMS codes; returns the phone id."""
        phone_id = new_id()
        with self.state.lock:
            record = self.state.user(user_id)
            record.mfa_phones.append({"mfa_phone_id": phone_id, "mfa_phone_number_suffix": suffix})
            record.mfa_enabled = True
        return phone_id

    def totp_code(self, user_id: str) -> str:
        """The code the user's authenticator app shows now (for step-up TOTP tests)."""
        from ._flows import totp_code

        return totp_code(user_id)

    def sms_code(self, challenge_id: str) -> str:
        """The code texted for an SMS step-up challenge."""
        with self.state.lock:
            code: str = self.state.sms_challenges[challenge_id]["code"]
        return code

    @property
    def magic_links(self) -> list[dict[str, Any]]:
        """Every magic link created: email, one-time code, expiry, options."""
        return list(self.state.magic_links)

    @property
    def step_up_mfa_enabled(self) -> bool:
        return self.state.step_up_enabled

    @step_up_mfa_enabled.setter
    def step_up_mfa_enabled(self, enabled: bool) -> None:
        self.state.step_up_enabled = enabled

    # Tokens ----------------------------------------------------------------------------------

    def mint_access_token(
        self, user_id: str, *, active_org_id: str | None = None, expires_in: int = 3600
    ) -> str:
        """A real RS256 access token for ``user_id``, signed with the emulator's key."""
        with self.state.lock:
            return mint(
                self.state,
                self.key,
                user_id,
                issuer=self.issuer,
                expires_in=expires_in,
                active_org_id=active_org_id,
            )

    @property
    def public_key_pem(self) -> str:
        return self.key.public_pem

    def rotate_key(self) -> None:
        """Replace the signing key: tokens minted before no longer verify."""
        self.key.rotate()

    # Faults ----------------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        probability: float | None = None,
    ) -> None:
        """Make matching requests fail. ``path`` is a full path, a template from the endpoint
        table (``/api/backend/v1/user/{user_id}``) or a glob; ``None`` matches every path."""
        self.faults.add(fault, method=method, path=path, times=times, probability=probability)

    # Routes ----------------------------------------------------------------------------------

    def _routes(self) -> dict[E.Endpoint, Handler]:
        from . import _api_keys, _flows, _invites, _orgs, _reports, _saml

        return {
            **_users.ROUTES,
            **_orgs.ROUTES,
            **_saml.ROUTES,
            **_invites.ROUTES,
            **_api_keys.ROUTES,
            **_flows.ROUTES,
            **_reports.ROUTES,
            E.CREATE_ACCESS_TOKEN: self._create_access_token,
            E.TOKEN_VERIFICATION_METADATA: lambda s, r: {"verifier_key_pem": self.public_key_pem},
            E.LEGACY_TOKEN_VERIFICATION_METADATA: lambda s, r: {
                "public_key_pem": self.public_key_pem
            },
        }

    def _create_access_token(self, state: State, req: Request) -> Any:
        if not self.access_tokens_enabled:
            raise EmulatorError(404, "Access token creation is not enabled")
        user_id = req.uuid("user_id", req.text("user_id"))
        minutes = req.field("duration_in_minutes", int)
        if not 1 <= minutes <= 1440:
            raise bad_request("duration_in_minutes", "Must be between 1 and 1440")
        active = req.field("active_org_id", str, None)
        if user_id not in state.users:
            raise EmulatorError(403, {"user_id": ["User not found"]})
        token = mint(
            state,
            self.key,
            user_id,
            issuer=f"https://{req.auth_host}",
            expires_in=minutes * 60,
            active_org_id=active,
        )
        return {"access_token": token}


@asynccontextmanager
async def serve_emulator(
    emulator: Emulator | None = None, *, port: int = 0, **options: Any
) -> AsyncIterator[Emulator]:
    """Serve an emulator over real HTTP on 127.0.0.1 for the duration of the block.

    >>> async with serve_emulator() as emu:
    ...     async with emu.client() as client:
    ...         await client.users.create(email="ada@example.com")
    """
    emu = emulator if emulator is not None else Emulator(**options)
    server = ThreadServer(emu.app, port=port)
    await anyio.to_thread.run_sync(server.start)
    emu.url = server.url
    try:
        yield emu
    finally:
        emu.url = None
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(server.stop)


@contextmanager
def run_emulator(
    emulator: Emulator | None = None, *, port: int = 0, **options: Any
) -> Iterator[Emulator]:
    """The synchronous twin of :func:`serve_emulator`, for code without an event loop."""
    emu = emulator if emulator is not None else Emulator(**options)
    server = ThreadServer(emu.app, port=port)
    server.start()
    emu.url = server.url
    try:
        yield emu
    finally:
        emu.url = None
        server.stop()
