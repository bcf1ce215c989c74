"""The key source: single-flight, rotation, no refresh storms, no network with a given PEM;
and tokens minted by the emulator verified by the client, on asyncio and trio."""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest
import respx

from propelauth_async import (
    AsyncPropelAuth,
    AuthenticatedUser,
    AuthenticationError,
    ConfigurationError,
    FeatureNotEnabledError,
    KeyConfigurationError,
    KeyUnavailableError,
    TokenError,
    TransportError,
    UserNotFoundError,
)
from propelauth_async.testing import Emulator, Fault, serve_emulator

pytestmark = pytest.mark.anyio
METADATA = "/api/v1/token_verification_metadata"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _seeded() -> tuple[Emulator, str, str]:
    emu = Emulator()
    org = emu.add_org("Acme")
    user = emu.add_user("ada@x.io")
    emu.add_member(org, user, "Admin")
    return emu, org, user


async def test_a_thousand_cold_verifications_make_one_request() -> None:
    emu, _, user = _seeded()
    async with serve_emulator(emu):
        emu.inject(Fault.delay(0.2), path=METADATA)  # keep the fetch in flight while all pile up
        token = emu.mint_access_token(user)
        results: list[AuthenticatedUser] = []
        async with emu.client() as client:

            async def one() -> None:
                results.append(await client.tokens.verify(f"Bearer {token}"))

            async with anyio.create_task_group() as group:
                for _ in range(1000):
                    group.start_soon(one)
        assert len(results) == 1000
        assert emu.stats.requests == 1
        assert client.tokens.keys.fetches == 1


async def test_rotation_is_picked_up_with_one_refresh() -> None:
    emu, _, user = _seeded()
    async with serve_emulator(emu), emu.client() as client:
        assert (await client.tokens.verify(emu.mint_access_token(user))).user_id == user
        emu.rotate_key()
        fresh = emu.mint_access_token(user)
        assert (await client.tokens.verify(fresh)).user_id == user
        assert client.tokens.keys.fetches == 2
        assert (await client.tokens.verify(fresh)).user_id == user  # no further fetch
        assert client.tokens.keys.fetches == 2


async def test_no_refresh_storm_from_forged_tokens() -> None:
    emu, _, user = _seeded()
    forger = Emulator()
    forged_user = forger.add_user("mallory@x.io")
    async with serve_emulator(emu), emu.client() as client:
        await client.tokens.verify(emu.mint_access_token(user))
        forged = forger.mint_access_token(forged_user)
        reasons: list[str] = []

        async def attempt() -> None:
            try:
                await client.tokens.verify(forged)
            except TokenError as exc:
                reasons.append(exc.reason)

        async with anyio.create_task_group() as group:
            for _ in range(500):
                group.start_soon(attempt)
        assert len(reasons) == 500
        assert set(reasons) == {"bad_signature"}
        assert client.tokens.keys.fetches <= 2  # the first fetch, then at most one refresh


async def test_a_given_pem_makes_no_request_at_all() -> None:
    emu, _, user = _seeded()
    with respx.mock(assert_all_called=False, using="httpx") as router:
        async with AsyncPropelAuth(
            f"https://{emu.auth_host}", "key", verifier_key_pem=emu.public_key_pem
        ) as client:
            assert (await client.tokens.verify(emu.mint_access_token(user))).user_id == user
            emu.rotate_key()
            with pytest.raises(TokenError):
                await client.tokens.verify(emu.mint_access_token(user))
        assert not router.calls


def test_a_bad_pem_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth("https://auth.example.com", "key", verifier_key_pem="not a pem")


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_transient_failure_backs_off_and_is_retried_after_it() -> None:
    emu, _, user = _seeded()
    clock = Clock()
    async with serve_emulator(emu), emu.client(max_retries=0) as client:
        client.tokens.keys.clock = clock
        emu.inject(Fault.error(500), path=METADATA, times=2)
        token = emu.mint_access_token(user)
        for _ in range(3):
            with pytest.raises(KeyUnavailableError) as info:
                await client.tokens.verify(token)
            assert info.value.reason == "key_unavailable"
        assert client.tokens.keys.fetches == 1  # one request, then the back-off answers
        clock.now += 1.0
        with pytest.raises(KeyUnavailableError):
            await client.tokens.verify(token)  # second failure: the back-off doubles to 2 s
        assert client.tokens.keys.fetches == 2
        clock.now += 1.5
        with pytest.raises(KeyUnavailableError, match="next attempt"):
            await client.tokens.verify(token)
        assert client.tokens.keys.fetches == 2
        clock.now += 0.5
        assert (await client.tokens.verify(token)).user_id == user
        assert client.tokens.keys.fetches == 3


async def test_a_wrong_api_key_is_a_configuration_error_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu, _, user = _seeded()
    clock = Clock()
    async with serve_emulator(emu):
        assert emu.url is not None
        async with AsyncPropelAuth(emu.url, "wrong-api-key") as client:
            client.tokens.keys.clock = clock
            token = emu.mint_access_token(user)
            with caplog.at_level(logging.DEBUG, logger="propelauth_async"):
                for _ in range(3):
                    with pytest.raises(KeyConfigurationError) as info:
                        await client.tokens.verify(token)
                    assert isinstance(info.value, ConfigurationError)
                    assert isinstance(info.value, TokenError)
                    assert info.value.reason == "key_configuration"
                    assert "API key was refused" in str(info.value)
                    assert "401" in str(info.value)
                assert emu.stats.requests == 1  # not one fetch per verification
                clock.now += 1.0
                with pytest.raises(KeyConfigurationError):
                    await client.tokens.verify(token)
                assert emu.stats.requests == 2
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert len(errors) == 1
            assert "API key" in errors[0].getMessage()
            assert "wrong-api-key" not in caplog.text


async def test_failed_refresh_locks_out_the_new_key_for_one_second_only() -> None:
    emu, _, user = _seeded()
    clock = Clock()
    async with serve_emulator(emu), emu.client(max_retries=0) as client:
        client.tokens.keys.clock = clock
        await client.tokens.verify(emu.mint_access_token(user))
        emu.rotate_key()
        fresh = emu.mint_access_token(user)
        emu.inject(Fault.error(500), path=METADATA)
        with pytest.raises(TokenError) as info:
            await client.tokens.verify(fresh)  # the refresh failed: the old key says no
        assert info.value.reason == "bad_signature"
        with pytest.raises(TokenError):
            await client.tokens.verify(fresh)  # within the back-off: no request
        assert client.tokens.keys.fetches == 2
        clock.now += 1.0
        assert (await client.tokens.verify(fresh)).user_id == user
        assert client.tokens.keys.fetches == 3


async def test_a_thousand_new_key_tokens_right_after_rotation() -> None:
    emu, _, user = _seeded()
    async with serve_emulator(emu), emu.client() as client:
        await client.tokens.verify(emu.mint_access_token(user))
        before = emu.stats.requests
        emu.rotate_key()
        fresh = emu.mint_access_token(user)
        accepted: list[str] = []
        refused: list[str] = []

        async def one() -> None:
            try:
                accepted.append((await client.tokens.verify(f"Bearer {fresh}")).user_id)
            except TokenError as exc:
                refused.append(exc.reason)

        async with anyio.create_task_group() as group:
            for _ in range(1000):
                group.start_soon(one)
        assert refused == []
        assert len(accepted) == 1000
        assert emu.stats.requests - before == 1  # exactly one metadata request


async def test_the_cache_does_not_outlive_a_key_change() -> None:
    emu, _, user = _seeded()
    async with serve_emulator(emu), emu.client() as client:
        old = emu.mint_access_token(user)
        for _ in range(3):
            await client.tokens.verify(old)  # cached
        old_verifier = await client.tokens.verifier()
        emu.rotate_key()
        await client.tokens.verify(emu.mint_access_token(user))  # picks up the new key
        assert await client.tokens.verifier() is not old_verifier
        with pytest.raises(TokenError) as info:
            await client.tokens.verify(old)
        assert info.value.reason == "bad_signature"


async def test_prefetch_fails_loudly_and_loads_the_key() -> None:
    emu, _, user = _seeded()
    async with serve_emulator(emu):
        assert emu.url is not None
        async with AsyncPropelAuth(emu.url, "wrong-api-key") as client:
            with pytest.raises(KeyConfigurationError):
                await client.tokens.prefetch()
        async with emu.client(max_retries=0) as client:
            emu.inject(Fault.error(503), path=METADATA)
            with pytest.raises(KeyUnavailableError):
                await client.tokens.prefetch()
            await client.tokens.prefetch()  # ignores the back-off: a start-up check is explicit
            requests = emu.stats.requests
            assert (await client.tokens.verify(emu.mint_access_token(user))).user_id == user
            assert emu.stats.requests == requests  # the key was already there
    with respx.mock(assert_all_called=False, using="httpx") as router:
        async with AsyncPropelAuth(
            f"https://{emu.auth_host}", "key", verifier_key_pem=emu.public_key_pem
        ) as client:
            await client.tokens.prefetch()
        assert not router.calls


async def test_check_tells_a_wrong_key_from_a_wrong_url() -> None:
    emu, _, _ = _seeded()
    async with serve_emulator(emu):
        assert emu.url is not None
        async with emu.client() as client:
            assert await client.check() is None
        async with AsyncPropelAuth(emu.url, "wrong-api-key") as client:
            with pytest.raises(AuthenticationError):
                await client.check()
    with respx.mock(base_url="https://auth.example.com", using="httpx") as router:
        router.get(METADATA).respond(404)
        router.get("/api/backend/v1/token_verification_metadata").respond(404)
        async with AsyncPropelAuth("https://auth.example.com", "key") as client:
            with pytest.raises(ConfigurationError, match="not a PropelAuth auth URL"):
                await client.check()
    with respx.mock(base_url="https://auth.example.com", using="httpx") as router:
        router.get(METADATA).mock(side_effect=httpx.ConnectError("refused"))
        async with AsyncPropelAuth("https://auth.example.com", "key", max_retries=0) as client:
            with pytest.raises(TransportError):
                await client.check()


async def test_older_metadata_path_and_field() -> None:
    emu, _, _ = _seeded()
    with respx.mock(base_url="https://auth.example.com", using="httpx") as router:
        router.get(METADATA).respond(404)
        old = router.get("/api/backend/v1/token_verification_metadata").respond(
            json={"public_key_pem": emu.public_key_pem}
        )
        emu_for_issuer = Emulator(auth_host="auth.example.com")
        emu_for_issuer.key = emu.key  # same key, issuer auth.example.com
        uid = emu_for_issuer.add_user("ada@x.io")
        async with AsyncPropelAuth("https://auth.example.com", "key") as client:
            assert (
                await client.tokens.verify(emu_for_issuer.mint_access_token(uid))
            ).user_id == uid
        assert old.called


async def test_scheduled_refresh_in_the_course_of_normal_calls() -> None:
    emu, _, user = _seeded()
    clock = Clock()
    async with (
        serve_emulator(emu),
        emu.client(key_refresh_interval=0.2, key_min_refresh_interval=0.0) as client,
    ):
        client.tokens.keys.clock = clock
        token = emu.mint_access_token(user)
        await client.tokens.verify(token)
        await client.tokens.verify(token)
        assert client.tokens.keys.fetches == 1
        clock.now += 0.3
        await client.tokens.verify(token)
        assert client.tokens.keys.fetches == 2


async def test_tokens_minted_over_http_verify_locally() -> None:
    emu, org, user = _seeded()
    async with serve_emulator(emu), emu.client() as client:
        created = await client.access_tokens.create(user, duration_in_minutes=5, active_org_id=org)
        assert "eyJ" not in repr(created)
        verified = await client.tokens.verify(f"bearer {created.access_token}")
        assert verified.active_org_id == org
        assert verified.expires_at is not None
        assert verified.issued_at is not None
        assert verified.expires_at - verified.issued_at == 300
        assert verified.login_method.kind.value == "generated_from_backend_api"
        with pytest.raises(UserNotFoundError):
            await client.access_tokens.create(
                "00000000-0000-4000-8000-000000000000", duration_in_minutes=5
            )
        verifier = await client.tokens.verifier()
        for _ in range(200):
            verifier.verify(created.access_token)
        assert emu.stats.requests == 3  # two token creations and one key fetch


async def test_access_token_creation_switched_off() -> None:
    emu, _, user = _seeded()
    emu.access_tokens_enabled = False
    async with serve_emulator(emu), emu.client() as client:
        with pytest.raises(FeatureNotEnabledError):
            await client.access_tokens.create(user, duration_in_minutes=5)


async def test_metadata_transport_errors_become_key_unavailable() -> None:
    with respx.mock(base_url="https://auth.example.com", using="httpx") as router:
        router.get(METADATA).mock(side_effect=httpx.ConnectError("down"))
        async with AsyncPropelAuth("https://auth.example.com", "key", max_retries=0) as client:
            with pytest.raises(KeyUnavailableError):
                await client.tokens.verify("a.b.c")
