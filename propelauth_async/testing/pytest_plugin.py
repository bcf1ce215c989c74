"""The emulator as pytest fixtures: installing ``propelauth-async[testing]`` is all it takes.

pytest finds this module through the package's ``pytest11`` entry point. One emulator is served
over real HTTP for the whole session and reset to its seed before each test that uses it.

Every fixture here is synchronous, so the same fixtures work under pytest-asyncio (strict or
auto mode), under anyio's plugin on asyncio or trio, and in plain synchronous tests:

- ``propelauth_emulator``: the session's :class:`~propelauth_async.testing.Emulator`, reset;
- ``propelauth_client``: an ``AsyncPropelAuth`` bound to it (no ``async with`` needed);
- ``propelauth_env``: ``PROPELAUTH_AUTH_URL`` / ``PROPELAUTH_API_KEY`` set for it, so the code
  under test finds it through ``AsyncPropelAuth.from_env()``;
- ``make_user``, ``make_org``, ``make_member``, ``access_token_for``: factories.

Seed the session's emulator from a JSON file with ``--propelauth-seed FILE`` or the ini option
``propelauth_seed``, or override the ``propelauth_emulator_options`` fixture (session scope)
to pass any :class:`~propelauth_async.testing.Emulator` argument.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pytest

if TYPE_CHECKING:
    from .._client import AsyncPropelAuth
    from ..models.membership import OrgMemberInfo
    from ..models.orgs import Org
    from ..models.users import User
    from .emulator import Emulator


class MakeUser(Protocol):
    def __call__(self, email: str | None = None, **fields: Any) -> User: ...


class MakeOrg(Protocol):
    def __call__(self, name: str | None = None, **fields: Any) -> Org: ...


class MakeMember(Protocol):
    def __call__(
        self,
        org: Org | str,
        user: User | str,
        role: str | None = None,
        additional_roles: Sequence[str] = (),
    ) -> OrgMemberInfo: ...


class AccessTokenFor(Protocol):
    def __call__(
        self, user: User | str, *, org: Org | str | None = None, expires_in: int = 3600
    ) -> str: ...


T = TypeVar("T")


def _present(value: T | None, what: str) -> T:
    """What the emulator just created (only another thread deleting it could make it vanish)."""
    if value is None:
        raise LookupError(f"the emulator has no {what}: was it deleted meanwhile?")
    return value


def _id(thing: Any, attribute: str) -> str:
    return thing if isinstance(thing, str) else str(getattr(thing, attribute))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("propelauth", "PropelAuth emulator")
    group.addoption(
        "--propelauth-seed",
        metavar="FILE",
        default=None,
        help="JSON file of users, orgs, members, roles and API keys for the emulator",
    )
    parser.addini(
        "propelauth_seed", "JSON seed file for the emulator (relative to the rootdir)", default=""
    )


@pytest.fixture(scope="session")
def propelauth_emulator_options(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Keyword arguments for the session's emulator. Override this fixture (session scope) in
    a conftest.py to set ``rate_limit``, ``roles``, ``seed``..."""
    seed = pytestconfig.getoption("propelauth_seed")
    if seed:
        return {"seed": Path(seed)}
    ini = pytestconfig.getini("propelauth_seed")
    return {"seed": pytestconfig.rootpath / str(ini)} if ini else {}


@pytest.fixture(scope="session")
def propelauth_emulator_server(
    propelauth_emulator_options: dict[str, Any],
) -> Iterator[Emulator]:
    """The emulator served on 127.0.0.1 for the whole session (tests use the reset one)."""
    # Imported here, not at the top: pytest imports this plugin in every run of every project
    # that has the package installed, and only the runs that use the emulator should pay.
    from .emulator import Emulator, run_emulator

    with run_emulator(Emulator(**propelauth_emulator_options)) as emulator:
        yield emulator


@pytest.fixture
def propelauth_emulator(propelauth_emulator_server: Emulator) -> Emulator:
    """The session's emulator, reset to its seed: records, faults, journal and counters."""
    propelauth_emulator_server.reset()
    return propelauth_emulator_server


@pytest.fixture
def propelauth_client(propelauth_emulator: Emulator) -> AsyncPropelAuth:
    """An ``AsyncPropelAuth`` bound to the emulator, with fast retries.

    It uses httpx's own transport with keep-alive off, so no connection (and no aiohttp
    session) outlives its request: nothing is left to close when the test's event loop ends,
    whichever loop (asyncio or trio) that was."""
    return propelauth_emulator.client(
        transport="httpx", max_keepalive_connections=0, backoff_base=0.01, backoff_cap=0.05
    )


@pytest.fixture
def propelauth_env(propelauth_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Points ``AsyncPropelAuth.from_env()`` (and so the app under test) at the emulator."""
    monkeypatch.setenv("PROPELAUTH_AUTH_URL", propelauth_emulator.url)
    monkeypatch.setenv("PROPELAUTH_API_KEY", propelauth_emulator.api_key)
    monkeypatch.delenv("PROPELAUTH_BACKEND_URL", raising=False)
    return propelauth_emulator


@pytest.fixture
def make_user(propelauth_emulator: Emulator) -> MakeUser:
    """``make_user("ada@acme.io", first_name="Ada")`` creates a user (email confirmed) and
    returns it as the API would; without an email, a fresh one is made up."""
    numbers = itertools.count(1)

    def make(email: str | None = None, **fields: Any) -> User:
        address = email or f"user{next(numbers)}@example.com"
        user_id = propelauth_emulator.add_user(address, **fields)
        return _present(propelauth_emulator.user(user_id), f"user {user_id}")

    return make


@pytest.fixture
def make_org(propelauth_emulator: Emulator) -> MakeOrg:
    """``make_org("Acme", max_users=5)`` creates an organization and returns it."""
    numbers = itertools.count(1)

    def make(name: str | None = None, **fields: Any) -> Org:
        org_id = propelauth_emulator.add_org(name or f"Org {next(numbers)}", **fields)
        return _present(propelauth_emulator.org(org_id), f"org {org_id}")

    return make


@pytest.fixture
def make_member(propelauth_emulator: Emulator) -> MakeMember:
    """``make_member(org, user, "Admin")`` adds the user to the org (the lowest role unless
    one is given) and returns the membership as a token would carry it."""

    def make(
        org: Org | str,
        user: User | str,
        role: str | None = None,
        additional_roles: Sequence[str] = (),
    ) -> OrgMemberInfo:
        org_id, user_id = _id(org, "org_id"), _id(user, "user_id")
        propelauth_emulator.add_member(org_id, user_id, role, additional_roles)
        user_now = _present(propelauth_emulator.user(user_id), f"user {user_id}")
        return (user_now.org_id_to_org_info or {})[org_id]

    return make


@pytest.fixture
def access_token_for(propelauth_emulator: Emulator) -> AccessTokenFor:
    """``access_token_for(user, org=org)``: a signed access token the emulator's key verifies
    (for the org only, when one is given; for all the user's orgs otherwise)."""

    def mint(user: User | str, *, org: Org | str | None = None, expires_in: int = 3600) -> str:
        return propelauth_emulator.mint_access_token(
            _id(user, "user_id"),
            active_org_id=None if org is None else _id(org, "org_id"),
            expires_in=expires_in,
        )

    return mint


__all__ = ["AccessTokenFor", "MakeMember", "MakeOrg", "MakeUser"]
