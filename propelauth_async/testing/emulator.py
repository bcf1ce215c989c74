"""``Emulator``: an in-memory PropelAuth backend for tests, demos and benchmarks."""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import attrs
import httpx

from .._client import AsyncPropelAuth
from .._convert import structure
from ..models.orgs import Org
from ..models.users import User
from . import (
    _access_tokens,
    _api_keys,
    _employees,
    _invites,
    _magic_links,
    _mfa,
    _migration,
    _orgs,
    _reports,
    _role_mappings,
    _scim,
    _seed,
    _tokens,
    _users,
    _webhooks,
)
from ._app import EmulatorApp
from ._faults import Fault, Faults, InjectedFault
from ._journal import Journal, RecordedRequest
from ._ratelimit import RetryAfterFormat, TokenBucket
from ._roles import RoleHierarchy
from ._routes import Router
from ._server import ThreadServer
from ._state import State, new_id, user_json
from ._tokens import SigningKey, mint
from ._webhooks import WebhookDelivery, WebhookEndpoint

DEFAULT_AUTH_HOST = "auth.emulator.test"

# One table per module, each mirroring a module of the client (resources/users.py ->
# _users.py); the router refuses a row routed twice or a method and path with two handlers.
ROUTE_TABLES = (
    _users.ROUTES,
    _orgs.ROUTES,
    _invites.ROUTES,
    _role_mappings.ROUTES,
    _api_keys.ROUTES,
    _access_tokens.ROUTES,
    _magic_links.ROUTES,
    _migration.ROUTES,
    _mfa.ROUTES,
    _employees.ROUTES,
    _scim.ROUTES,
    _reports.ROUTES,
    _tokens.ROUTES,
)


class EmulatorNotServedError(RuntimeError):
    """``emulator.url`` was read outside ``serve_emulator`` / ``run_emulator``."""


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
    ``httpx.ASGITransport``) or over real HTTP with :func:`serve_emulator`. Seed it from a JSON
    document or file (``seed=``) or from Python (:meth:`add_user`, :meth:`add_org`,
    :meth:`add_member`); :meth:`reset` returns to the seed, :meth:`snapshot` / :meth:`restore`
    and :meth:`save` keep state for later. Script failures with :meth:`inject`, read what
    clients sent in :attr:`requests`, and switch on a per-key rate limit with
    ``rate_limit``/``burst``. ``fault_seed`` seeds the random draws of probabilistic faults;
    ``journal_size`` bounds :attr:`requests` (0 keeps nothing, for benchmarks).
    The 429 says how long to wait as ``retry_after_format`` says; ``rate_limit_headers`` adds
    ``x-ratelimit-limit``/``-remaining`` to every answer; :meth:`set_rate_limit` changes the
    limit while serving.
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
        seed: _seed.Seed | None = None,
        fault_seed: int | None = None,
        auth_host: str = DEFAULT_AUTH_HOST,
        access_tokens_enabled: bool = True,
        journal_size: int = 10_000,
    ) -> None:
        self.api_key = api_key or f"emu_{secrets.token_hex(24)}"
        self.state = State(
            roles=roles or RoleHierarchy(),
            b2b_enabled=b2b_enabled,
            signing_key=SigningKey(),
            access_tokens_enabled=access_tokens_enabled,
        )
        self.stats = EmulatorStats()
        self.faults = Faults(fault_seed)
        self._fault_seed = fault_seed
        self.bucket = TokenBucket(rate_limit, burst) if rate_limit else None
        self.retry_after_format: RetryAfterFormat = retry_after_format
        self.journal = Journal(journal_size)
        self.rate_limit_headers = rate_limit_headers
        self._auth_host = auth_host
        self._url: str | None = None
        self.app = EmulatorApp(self, Router(ROUTE_TABLES))
        if seed is not None:
            _seed.load(self.state, seed)
        self._seed_snapshot = self.state.snapshot()

    def __repr__(self) -> str:
        where = self._url or "in process"
        return f"Emulator({where}, users={len(self.state.users)}, orgs={len(self.state.orgs)})"

    # Serving ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where it is served (``http://127.0.0.1:PORT``), inside ``serve_emulator`` and
        ``run_emulator``; outside them it raises :class:`EmulatorNotServedError`."""
        if self._url is None:
            raise EmulatorNotServedError(
                "the emulator is not being served: use serve_emulator() or run_emulator()"
            )
        return self._url

    @property
    def is_served(self) -> bool:
        return self._url is not None

    def _serving_at(self, url: str | None) -> None:
        self._url = url

    @property
    def auth_host(self) -> str:
        """The host clients name in ``X-Propelauth-url``; tokens are issued for it."""
        if self._url is not None:
            return urllib.parse.urlsplit(self._url).netloc
        return self._auth_host

    @property
    def issuer(self) -> str:
        return f"https://{self.auth_host}"

    def client(self, **options: Any) -> AsyncPropelAuth:
        """An ``AsyncPropelAuth`` wired to this emulator: over HTTP when it is served,
        otherwise in process through ``httpx.ASGITransport``."""
        if self._url is not None:
            return AsyncPropelAuth(self._url, self.api_key, **options)
        transport = httpx.ASGITransport(app=self.app)
        return AsyncPropelAuth(
            f"https://{self._auth_host}", self.api_key, transport=transport, **options
        )

    # State: reset, snapshots, files ------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed: records, faults, the request journal, webhook endpoints, counters
        and the rate limit's bucket. The signing key and the API key stay, so a served URL
        stays valid."""
        self.state.restore(self._seed_snapshot)
        self.faults = Faults(self._fault_seed)
        self.journal.clear()
        _webhooks.forget(self.state)
        self.stats = EmulatorStats()
        if self.bucket is not None:
            self.bucket = TokenBucket(self.bucket.rate, self.bucket.burst)

    def snapshot(self) -> dict[str, Any]:
        """Every record as it is now; hand it to :meth:`restore` to come back to it."""
        return self.state.snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Put back a :meth:`snapshot` (the same snapshot can be restored any number of times)."""
        self.state.restore(snapshot)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write every record, ids included, to a JSON file that ``Emulator(seed=path)`` (or
        ``emulator --seed path``) loads back: a dev instance survives a restart."""
        _seed.save(self.state, path)

    # Request journal -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """What clients sent, oldest first: method, path, query, JSON body, headers (without
        credentials) and the status answered. Cleared by :meth:`reset`."""
        return self.journal.entries()

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

    def org(self, org_id: str) -> Org | None:
        """The organization as the API would return it, or ``None``."""
        with self.state.lock:
            record = self.state.orgs.get(org_id)
            return None if record is None else structure(_orgs.org_json(record), Org)

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
        return _mfa.totp_code(user_id)

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

    @property
    def key(self) -> SigningKey:
        """The RSA key tokens are signed with (assign one to share it between emulators)."""
        return self.state.signing_key

    @key.setter
    def key(self, key: SigningKey) -> None:
        self.state.signing_key = key

    @property
    def access_tokens_enabled(self) -> bool:
        return self.state.access_tokens_enabled

    @access_tokens_enabled.setter
    def access_tokens_enabled(self, enabled: bool) -> None:
        self.state.access_tokens_enabled = enabled

    # Faults ----------------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        probability: float | None = None,
    ) -> InjectedFault:
        """Make the next ``times`` matching requests fail (``None``: every one, or each with
        ``probability``), then let later ones succeed. ``path`` is a full path, a template
        from the endpoint table (``/api/backend/v1/user/{user_id}``) or a glob; ``None``
        matches every path. A method or path that no endpoint has raises ``ValueError`` here,
        instead of never firing. The returned handle counts ``fired`` and ``remaining``."""
        return self.faults.add(
            fault, method=method, path=path, times=times, probability=probability
        )

    # Webhooks --------------------------------------------------------------------------------

    def add_webhook_endpoint(
        self,
        url: str,
        *,
        secret: str | None = None,
        event_types: Iterable[str] | None = None,
        app: Any = None,
    ) -> WebhookEndpoint:
        """Deliver signed events to ``url`` (through ``app``, an ASGI app, in process, when
        given). ``secret`` defaults to a new ``whsec_`` secret: ``endpoint.secret``. From now
        on user and org changes queue events; :meth:`deliver_webhooks` sends them."""
        with self.state.lock:
            return _webhooks.add_endpoint(
                self.state, url, secret=secret, event_types=event_types, app=app
            )

    def emit_webhook(self, event_type: str, **fields: Any) -> None:
        """Queue any event by hand (``user.impersonated``, a type PropelAuth adds later...)."""
        _webhooks.emit(self.state, event_type, **fields)

    async def deliver_webhooks(self, *, request_timeout: float = 10.0) -> list[WebhookDelivery]:
        """POST every queued event, signed, to its endpoint; returns what each answered."""
        return await _webhooks.outbox(self.state).deliver(request_timeout=request_timeout)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every delivery made so far, in order."""
        return list(_webhooks.outbox(self.state).deliveries)

    def fail_then_succeed(
        self,
        times: int,
        fault: Fault | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> InjectedFault:
        """The first ``times`` matching requests fail with ``fault`` (by default
        ``Fault.error(503)``), every later one succeeds: the retry test in one line."""
        return self.inject(fault or Fault.error(503), method=method, path=path, times=times)


@asynccontextmanager
async def serve_emulator(
    emulator: Emulator | None = None, *, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> AsyncIterator[Emulator]:
    """Serve an emulator over real HTTP on 127.0.0.1 for the duration of the block.

    >>> async with serve_emulator() as emu:
    ...     async with emu.client() as client:
    ...         await client.users.create(email="ada@example.com")
    """
    emu = emulator if emulator is not None else Emulator(**options)
    server = ThreadServer(emu.app, host=host, port=port)
    await anyio.to_thread.run_sync(server.start)
    emu._serving_at(server.url)
    try:
        yield emu
    finally:
        emu._serving_at(None)
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(server.stop)


@contextmanager
def run_emulator(
    emulator: Emulator | None = None, *, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> Iterator[Emulator]:
    """The synchronous twin of :func:`serve_emulator`, for code without an event loop."""
    emu = emulator if emulator is not None else Emulator(**options)
    server = ThreadServer(emu.app, host=host, port=port)
    server.start()
    emu._serving_at(server.url)
    try:
        yield emu
    finally:
        emu._serving_at(None)
        server.stop()
