"""Webhook verification against the svix SDK's own signer, the typed events, the FastAPI and
aiohttp helpers, and the emulator delivering signed events to an app end to end."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient as AiohttpClient
from aiohttp.test_utils import TestServer
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient
from svix.webhooks import Webhook as SvixWebhook

from propelauth_async import ConfigurationError
from propelauth_async.testing import Emulator
from propelauth_async.webhooks import (
    OrgCreated,
    UserAddedToOrg,
    UserCreated,
    UserDeleted,
    UserRoleChangedWithinOrg,
    WebhookEvent,
    WebhookVerificationError,
    WebhookVerifier,
)
from propelauth_async.webhooks.aiohttp import webhook_handler
from propelauth_async.webhooks.fastapi import webhook_event

SECRET = "whsec_" + base64.b64encode(b"a-test-secret-of-32-bytes-long!!").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another-secret-also-32-bytes-ok!").decode()
NOW = 1_800_000_000


def signed(
    payload: dict[str, Any] | bytes,
    *,
    secret: str = SECRET,
    msg_id: str = "msg_1",
    at: int = NOW,
) -> tuple[bytes, dict[str, str]]:
    """A delivery as Svix makes it, signed by the svix SDK (not by our code)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    when = datetime.datetime.fromtimestamp(at, tz=datetime.timezone.utc)
    signature = SvixWebhook(secret).sign(msg_id, when, body.decode())
    return body, {"svix-id": msg_id, "svix-timestamp": str(at), "svix-signature": signature}


def verifier(**options: Any) -> WebhookVerifier:
    return WebhookVerifier(SECRET, clock=lambda: NOW, **options)


USER_CREATED = {"event_type": "user.created", "user_id": "u1", "email": "ada@acme.io"}


def refusal(body: bytes | Any, headers: dict[str, str], v: WebhookVerifier | None = None) -> str:
    with pytest.raises(WebhookVerificationError) as caught:
        (v or verifier()).verify(body, headers)
    assert SECRET not in str(caught.value)
    for signature in headers.get("svix-signature", "").split():
        assert signature.split(",")[-1] not in str(caught.value)
    return caught.value.reason


def test_a_genuine_delivery_gives_a_typed_event() -> None:
    event = verifier().verify(*signed(USER_CREATED))
    assert isinstance(event, UserCreated)
    assert (event.user_id, event.email, event.message_id, event.timestamp) == (
        "u1",
        "ada@acme.io",
        "msg_1",
        NOW,
    )
    assert event.payload == USER_CREATED


def test_known_answer_from_the_svix_documentation() -> None:
    check = WebhookVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", clock=lambda: 1614265330)
    headers = {
        "svix-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "svix-timestamp": "1614265330",
        "svix-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    event = check.verify(b'{"test": 2432232314}', headers)
    assert event.event_type == "" and event.payload == {"test": 2432232314}


def test_tampered_body_and_wrong_secret_are_refused() -> None:
    body, headers = signed(USER_CREATED)
    assert refusal(body.replace(b"u1", b"u2"), headers) == "bad_signature"
    assert refusal(*signed(USER_CREATED, secret=OTHER_SECRET)) == "bad_signature"
    forged_id = {**headers, "svix-id": "msg_2"}
    assert refusal(body, forged_id) == "bad_signature"
    shifted = {**headers, "svix-timestamp": str(NOW + 1)}
    assert refusal(body, shifted) == "bad_signature"


def test_the_raw_body_is_required() -> None:
    body, headers = signed(USER_CREATED)
    reserialised = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert reserialised != body
    assert refusal(reserialised, headers) == "bad_signature"
    assert refusal(json.loads(body), headers) == "not_raw_body"


def test_timestamps_outside_the_tolerance_are_refused() -> None:
    assert refusal(*signed(USER_CREATED, at=NOW - 301)) == "too_old"
    assert refusal(*signed(USER_CREATED, at=NOW + 301)) == "too_new"
    assert verifier().verify(*signed(USER_CREATED, at=NOW - 299)).timestamp == NOW - 299
    lenient = verifier(tolerance=3600)
    assert lenient.verify(*signed(USER_CREATED, at=NOW - 1800)).timestamp == NOW - 1800
    body, headers = signed(USER_CREATED)
    for stamp in ("abc", "1e9", "-5", " 1800000000", "1800000000.5", "9" * 30):
        assert refusal(body, {**headers, "svix-timestamp": stamp}) in (
            "bad_timestamp",
            "too_old",
        ), stamp


def test_replays_are_refused_until_the_timestamp_expires() -> None:
    now = [NOW]
    check = WebhookVerifier(SECRET, clock=lambda: now[0])
    delivery = signed(USER_CREATED)
    check.verify(*delivery)
    assert refusal(*delivery, v=check) == "replayed"
    now[0] += 301
    assert refusal(*delivery, v=check) == "too_old"  # and the id is forgotten, not kept
    assert len(check._seen) == 1
    check.verify(*signed(USER_CREATED, msg_id="msg_new", at=now[0]))
    no_memory = verifier(replay_protection=False)
    no_memory.verify(*delivery)
    no_memory.verify(*delivery)
    not_yet = verifier()
    not_yet.verify(*delivery, remember=False)  # handling failed: Svix may retry
    not_yet.verify(*delivery)


def test_several_signatures_in_one_header() -> None:
    body, headers = signed(USER_CREATED)
    good = headers["svix-signature"]
    _, other = signed(USER_CREATED, secret=OTHER_SECRET)
    wrong = other["svix-signature"]
    for header in (
        f"{wrong} {good}",
        f"{good} {wrong}",
        f"v2,abcdef {good}",
        f"garbage v1,!!notbase64!! v1, {good}",
    ):
        assert verifier(replay_protection=False).verify(body, {**headers, "svix-signature": header})
    for header in (wrong, f"{wrong} {wrong}", "v2," + good.split(",")[1], ""):
        assert refusal(body, {**headers, "svix-signature": header}) in (
            "bad_signature",
            "missing_headers",
        )


def test_missing_headers_and_header_spellings() -> None:
    body, headers = signed(USER_CREATED)
    for name in headers:
        assert refusal(body, {k: v for k, v in headers.items() if k != name}) == "missing_headers"
    upper = {k.upper(): v for k, v in headers.items()}
    assert verifier().verify(body, upper).message_id == "msg_1"
    standard = {k.replace("svix-", "webhook-"): v for k, v in headers.items()}
    assert verifier().verify(body, standard).message_id == "msg_1"


def test_secrets_are_checked_and_never_shown() -> None:
    assert SECRET not in repr(verifier())
    for bad in ("", "   ", "whsec_", "whsec_%%%not-base64%%%"):
        with pytest.raises(ConfigurationError) as caught:
            WebhookVerifier(bad)
        assert caught.value.__cause__ is None
        assert "%%%" not in str(caught.value)


def test_unknown_and_unexpected_events_pass_through() -> None:
    event = verifier().verify(*signed({"event_type": "user.teleported", "user_id": "u1"}))
    assert type(event) is WebhookEvent and event.event_type == "user.teleported"
    odd = verifier().verify(*signed({"event_type": "user.created", "user_id": 42}))
    assert type(odd) is WebhookEvent and odd.payload["user_id"] == 42
    assert refusal(*signed(b"[1, 2]")) == "bad_payload"
    assert refusal(*signed(b"not json")) == "bad_payload"


# Framework helpers ---------------------------------------------------------------------------


def fastapi_app(check: WebhookVerifier, seen: list[WebhookEvent]) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/propelauth")
    async def receive(event: WebhookEvent = Depends(webhook_event(check))) -> dict[str, str]:
        if event.payload.get("fail"):
            raise HTTPException(500, "handler failed")
        seen.append(event)
        return {"got": event.event_type}

    return app


def test_fastapi_dependency() -> None:
    seen: list[WebhookEvent] = []
    with TestClient(fastapi_app(verifier(), seen)) as http:
        body, headers = signed(USER_CREATED)
        assert http.post("/webhooks/propelauth", content=body, headers=headers).json() == {
            "got": "user.created"
        }
        assert http.post("/webhooks/propelauth", content=body, headers=headers).status_code == 409
        tampered = http.post("/webhooks/propelauth", content=body + b" ", headers=headers)
        assert tampered.status_code == 400
        old = signed(USER_CREATED, msg_id="msg_old", at=NOW - 600)
        assert http.post("/webhooks/propelauth", content=old[0], headers=old[1]).status_code == 400
        failing = signed({**USER_CREATED, "fail": True}, msg_id="msg_f")
        for _ in range(2):  # a failed handling is not remembered: the retry is accepted again
            answer = http.post("/webhooks/propelauth", content=failing[0], headers=failing[1])
            assert answer.status_code == 500
    assert [e.message_id for e in seen] == ["msg_1"]


async def test_aiohttp_handler() -> None:
    seen: list[WebhookEvent] = []

    @webhook_handler(verifier())
    async def receive(event: WebhookEvent, request: web.Request) -> None:
        seen.append(event)

    app = web.Application()
    app.router.add_post("/webhooks/propelauth", receive)
    async with AiohttpClient(TestServer(app)) as http:
        body, headers = signed(USER_CREATED)
        ok = await http.post("/webhooks/propelauth", data=body, headers=headers)
        assert (ok.status, await ok.json()) == (200, {"received": True})
        assert (await http.post("/webhooks/propelauth", data=body, headers=headers)).status == 409
        wrong = signed(USER_CREATED, secret=OTHER_SECRET, msg_id="msg_w")
        refused = await http.post("/webhooks/propelauth", data=wrong[0], headers=wrong[1])
        assert refused.status == 400
        assert "signature" in (await refused.json())["detail"]
    assert len(seen) == 1


# The emulator delivers ----------------------------------------------------------------------


async def test_emulator_delivers_signed_events_to_the_app() -> None:
    emu = Emulator()
    seen: list[WebhookEvent] = []
    endpoint_secret = "whsec_" + base64.b64encode(b"emulator-endpoint-secret-32bytes").decode()
    app = fastapi_app(WebhookVerifier(endpoint_secret), seen)
    endpoint = emu.add_webhook_endpoint(
        "http://service.test/webhooks/propelauth", secret=endpoint_secret, app=app
    )
    assert endpoint_secret not in repr(endpoint)
    org_id = emu.add_org("Acme")
    async with emu.client() as client:
        created = await client.users.create(email="ada@acme.io", first_name="Ada")
        await client.orgs.add_user(org_id=org_id, user_id=created.user_id, role="Member")
        await client.orgs.change_role(org_id=org_id, user_id=created.user_id, role="Admin")
        await client.users.delete(created.user_id)
    deliveries = await emu.deliver_webhooks()
    assert [d.status for d in deliveries] == [200] * 5
    assert [type(e) for e in seen] == [
        OrgCreated,
        UserCreated,
        UserAddedToOrg,
        UserRoleChangedWithinOrg,
        UserDeleted,
    ]
    assert seen[1].first_name == "Ada"  # type: ignore[attr-defined]
    assert seen[3].new_role == "Admin"  # type: ignore[attr-defined]
    assert await emu.deliver_webhooks() == []  # each event is delivered once
    assert len(emu.webhook_deliveries) == 5


async def test_emulator_deliveries_verify_with_svix_and_respect_filters() -> None:
    emu = Emulator()
    received: list[tuple[bytes, dict[str, str]]] = []

    async def capture(scope: Any, receive: Any, send: Any) -> None:  # a bare ASGI app
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        received.append((body, headers))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    endpoint = emu.add_webhook_endpoint(
        "http://hooks.test/in", event_types=["org.created"], app=capture
    )
    emu.add_user("quiet@acme.io")  # not subscribed: not queued
    emu.add_org("Acme")
    emu.emit_webhook("org.created", org_id="o-1", name="By hand")
    assert [d.status for d in await emu.deliver_webhooks()] == [204, 204]
    for body, headers in received:
        SvixWebhook(endpoint.secret).verify(body, headers)  # the svix SDK accepts them
        assert json.loads(body)["event_type"] == "org.created"


async def test_nothing_is_queued_without_an_endpoint() -> None:
    emu = Emulator()
    emu.add_user("ada@acme.io")
    assert await emu.deliver_webhooks() == []


async def test_emulator_delivers_over_real_http_to_an_aiohttp_app() -> None:
    emu = Emulator()
    endpoint_secret = "whsec_" + base64.b64encode(b"aiohttp-endpoint-secret-32-bytes").decode()
    seen: list[WebhookEvent] = []

    @webhook_handler(WebhookVerifier(endpoint_secret))
    async def receive(event: WebhookEvent, request: web.Request) -> None:
        seen.append(event)

    app = web.Application()
    app.router.add_post("/hooks", receive)
    async with AiohttpClient(TestServer(app)) as http:
        url = str(http.make_url("/hooks"))
        assert url.startswith("http://127.0.0.1:")
        emu.add_webhook_endpoint(url, secret=endpoint_secret)
        wrong = emu.add_webhook_endpoint(url)  # another secret
        org_id = emu.add_org("Acme")
        deliveries = await emu.deliver_webhooks()
    assert [(d.url, d.status) for d in deliveries] == [(url, 200), (url, 400)]
    assert [d.payload["org_id"] for d in deliveries] == [org_id, org_id]
    assert wrong.secret != endpoint_secret
    assert [type(e) for e in seen] == [OrgCreated]


def test_reset_forgets_webhook_endpoints_and_their_queue() -> None:
    from propelauth_async.testing import Emulator

    emu = Emulator()
    emu.add_webhook_endpoint("http://127.0.0.1:9/hooks")
    emu.add_user("ada@example.com")
    emu.reset()
    emu.add_user("bob@example.com")
    assert emu.webhook_deliveries == []
    from propelauth_async.testing import _webhooks

    assert _webhooks.outbox(emu.state).pending == []
