"""One emulator world shared by the FastAPI and aiohttp integration tests: an org, users in
each situation, their tokens, and end-user API keys of each kind."""

from __future__ import annotations

import secrets

import attrs
import httpx

from propelauth_async import AsyncPropelAuth
from propelauth_async.testing import Emulator
from propelauth_async.testing._state import ApiKeyRecord


@attrs.define
class World:
    emu: Emulator
    org: str
    other_org: str
    tokens: dict[str, str]
    keys: dict[str, str]

    def bearer(self, name: str) -> dict[str, str]:
        value = self.tokens.get(name) or self.keys.get(name) or name
        return {"Authorization": f"Bearer {value}"}

    def validations(self) -> int:
        """How many API-key validations the emulator answered."""
        return sum(self.emu.state.api_key_usage.values())


def _key(emu: Emulator, *, org_id: str | None = None, user_id: str | None = None) -> str:
    token = f"api_{secrets.token_hex(24)}"
    record = ApiKeyRecord(
        api_key_id=secrets.token_hex(16), token=token, org_id=org_id, user_id=user_id
    )
    emu.state.api_keys[record.api_key_id] = record
    return token


def build_world() -> World:
    emu = Emulator()
    org = emu.add_org("Acme")
    other_org = emu.add_org("Other")
    admin = emu.add_user("admin@acme.io")
    member = emu.add_user("member@acme.io")
    emu.add_member(org, admin, "Admin")
    emu.add_member(org, member, "Member")
    tokens = {
        "admin": emu.mint_access_token(admin),
        "member": emu.mint_access_token(member),
        "expired": emu.mint_access_token(admin, expires_in=-120),
    }
    keys = {
        "personal_key": _key(emu, user_id=member),
        "org_key": _key(emu, org_id=org),
        "other_org_key": _key(emu, org_id=other_org),
    }
    return World(emu, org, other_org, tokens, keys)


def end_user_limited_client(wait_seconds: int) -> AsyncPropelAuth:
    """A client whose PropelAuth answers every API-key validation with the end user's own
    rate limit, on the wire as PropelAuth sends it (429, JSON with ``wait_seconds``)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"wait_seconds": wait_seconds, "error_code": "rate"})

    return AsyncPropelAuth(
        "https://auth.example.com",
        "k",
        transport=httpx.MockTransport(answer),
        max_rate_limit_retries=0,
        max_retries=0,
    )


def backend_limited_client(wait_seconds: int) -> AsyncPropelAuth:
    """A client whose PropelAuth answers with its limit on our integration key (plain text)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, text=f"Rate limited. Please wait {wait_seconds} seconds")

    return AsyncPropelAuth(
        "https://auth.example.com",
        "k",
        transport=httpx.MockTransport(answer),
        max_rate_limit_retries=0,
        max_retries=0,
    )
