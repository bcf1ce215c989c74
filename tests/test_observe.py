"""Observers: plain hooks, and OpenTelemetry read back from the SDK's in-memory exporters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from propelauth_async import EndUserRateLimitError, Hooks, NotFoundError, TransportError
from propelauth_async.observe import (
    RateLimitEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
)
from propelauth_async.otel import OpenTelemetry

from ._scripted import Script, ok, too_many
from .conftest import API_KEY, USER_ID

EMAIL = "ada.secret@example.com"
API_KEY_ID = "5b2c4d1e-0000-4000-8000-00000000a11e"


def _hooks(events: list[object]) -> Hooks:
    return Hooks(
        on_request=events.append,
        on_response=events.append,
        on_retry=events.append,
        on_rate_limited=events.append,
    )


async def test_hooks_see_a_429_then_success_in_order() -> None:
    events: list[Any] = []
    script = Script(too_many(), ok(**{"x-ratelimit-remaining": "9"}))
    async with script.client(observers=[_hooks(events)]) as client:
        await client.users.fetch_by_email(EMAIL)
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "RequestEvent",
        "ResponseEvent",
        "RateLimitEvent",
        "RetryEvent",
        "RequestEvent",
        "ResponseEvent",
    ]
    first, answered, limited, retry, second, done = events
    assert isinstance(first, RequestEvent) and first.attempt == 1
    assert first.call.operation == "users.fetch_by_email"
    assert first.call.path_template == "/api/backend/v1/user/email"
    assert isinstance(answered, ResponseEvent) and answered.status_code == 429
    assert isinstance(limited, RateLimitEvent) and limited.scope == "backend"
    assert limited.retry_after == pytest.approx(0.001)
    assert isinstance(retry, RetryEvent) and (retry.reason, retry.attempt) == ("429", 1)
    assert isinstance(second, RequestEvent) and second.attempt == 2
    assert isinstance(done, ResponseEvent) and done.status_code == 200
    assert done.headers["X-RateLimit-Remaining"] == "9" and done.elapsed >= 0
    assert not any(EMAIL in repr(e) or API_KEY in repr(e) for e in events)


async def test_a_429_about_one_end_user_is_reported_and_not_retried() -> None:
    events: list[Any] = []
    script = Script(too_many(ms=3000, json_body={"wait_seconds": 3}))
    async with script.client(observers=[_hooks(events)]) as client:
        with pytest.raises(EndUserRateLimitError):
            await client.api_keys.validate(API_KEY_ID)
    limited = [e for e in events if isinstance(e, RateLimitEvent)]
    assert [(e.scope, e.retry_after) for e in limited] == [("subject", 3.0)]
    assert not any(isinstance(e, RetryEvent) for e in events)


async def test_a_failing_hook_is_logged_and_the_call_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: RequestEvent) -> None:
        raise RuntimeError("hook bug")

    async with Script().client(observers=[Hooks(on_request=broken)]) as client:
        with caplog.at_level(logging.ERROR, logger="propelauth_async"):
            assert await client.users.fetch(USER_ID) is not None
    assert "event hook failed on RequestEvent" in caplog.text


async def test_hooks_without_callbacks_watch_nothing() -> None:
    assert Hooks().start(None) is None  # type: ignore[arg-type]


# OpenTelemetry ----------------------------------------------------------------------------------


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.metrics])
        self.observer = OpenTelemetry(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider
        )

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


@pytest.fixture
def otel() -> Iterator[Telemetry]:
    telemetry = Telemetry()
    yield telemetry
    telemetry.tracer_provider.shutdown()
    telemetry.meter_provider.shutdown()


def _everything_recorded(spans: list[ReadableSpan]) -> str:
    parts = []
    for span in spans:
        parts.append(span.name)
        parts.extend(f"{k}={v}" for k, v in (span.attributes or {}).items())
        for event in span.events:
            parts.extend(f"{k}={v}" for k, v in (event.attributes or {}).items())
    return "\n".join(parts)


async def test_one_span_per_call_with_a_child_per_attempt(otel: Telemetry) -> None:
    script = Script(too_many(), httpx.Response(503, text=""), ok())
    async with script.client(observers=[otel.observer]) as client:
        await client.users.fetch_by_email(EMAIL)
    spans = otel.finished()
    (call,) = [s for s in spans if s.name == "propelauth users.fetch_by_email"]
    attempts = [s for s in spans if s.name == "GET /api/backend/v1/user/email"]
    assert len(attempts) == 3
    assert all(a.parent is not None and a.parent.span_id == call.context.span_id for a in attempts)
    assert [a.attributes["http.response.status_code"] for a in attempts] == [429, 503, 200]
    assert [a.attributes.get("http.request.resend_count") for a in attempts] == [None, 1, 2]
    assert call.kind is trace.SpanKind.INTERNAL and attempts[0].kind is trace.SpanKind.CLIENT
    attributes = call.attributes or {}
    assert attributes["propelauth.operation"] == "users.fetch_by_email"
    assert attributes["url.template"] == "/api/backend/v1/user/email"
    assert attributes["server.address"] == "auth.example.com"
    assert attributes["propelauth.attempts"] == 3
    assert attributes["propelauth.retries"] == 2
    assert attributes["propelauth.rate_limited"] == 1
    assert attributes["propelauth.rate_limit.scopes"] == ("backend",)
    assert attributes["propelauth.limiter.wait"] >= 0
    assert attributes["propelauth.outcome"] == "success"
    assert call.status.status_code is trace.StatusCode.UNSET
    assert [e.name for e in call.events] == ["rate_limited", "retry", "retry"]
    recorded = _everything_recorded(spans)
    assert EMAIL not in recorded and "ada.secret" not in recorded and API_KEY not in recorded


async def test_metrics_count_requests_retries_and_429s_by_scope(otel: Telemetry) -> None:
    script = Script(too_many(), ok())
    async with script.client(observers=[otel.observer]) as client:
        await client.users.fetch(USER_ID)
        script.answers = [too_many(json_body={"wait_seconds": 1})]
        with pytest.raises(EndUserRateLimitError):
            await client.api_keys.validate(API_KEY_ID)
    requests = {
        (p.attributes["propelauth.operation"], p.attributes.get("http.response.status_code")): (
            p.value
        )
        for p in otel.points("propelauth.client.requests")
    }
    assert requests == {
        ("users.fetch", 429): 1,
        ("users.fetch", 200): 1,
        ("api_keys.validate", 429): 1,
    }
    (retries,) = otel.points("propelauth.client.retries")
    assert retries.value == 1 and retries.attributes["propelauth.retry.reason"] == "429"
    scopes = {
        p.attributes["propelauth.rate_limit.scope"]: p.value
        for p in otel.points("propelauth.client.rate_limited")
    }
    assert scopes == {"backend": 1, "subject": 1}
    waits = {
        p.attributes["propelauth.operation"]: p
        for p in otel.points("propelauth.client.limiter.wait")
    }
    assert waits["users.fetch"].count == 2 and waits["api_keys.validate"].count == 1
    assert waits["users.fetch"].sum >= 0


async def test_a_failed_call_is_an_error_span_without_its_message(otel: Telemetry) -> None:
    script = Script(httpx.Response(404, json={"error": f"no user {EMAIL}"}))
    async with script.client(observers=[otel.observer]) as client:
        with pytest.raises(NotFoundError):
            await client.users.update(USER_ID, first_name="Ada")
    (call,) = [s for s in otel.finished() if s.name == "propelauth users.update"]
    assert call.status.status_code is trace.StatusCode.ERROR
    assert call.status.description == "NotFoundError"
    assert (call.attributes or {})["propelauth.outcome"] == "error"
    assert (call.attributes or {})["error.type"] == "NotFoundError"
    assert EMAIL not in _everything_recorded(otel.finished())


async def test_an_attempt_without_an_answer(otel: Telemetry) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    async with Script(refuse).client(observers=[otel.observer], max_retries=1) as client:
        with pytest.raises(TransportError):
            await client.users.fetch(USER_ID)
    attempts = [s for s in otel.finished() if s.name.startswith("GET ")]
    assert len(attempts) == 2
    assert all("http.response.status_code" not in (a.attributes or {}) for a in attempts)
    assert {(a.attributes or {})["error.type"] for a in attempts} == {"TransportError"}


async def test_calls_nest_under_the_callers_span_and_restore_it(otel: Telemetry) -> None:
    tracer = otel.tracer_provider.get_tracer("app")
    async with Script().client(observers=[otel.observer]) as client:
        with tracer.start_as_current_span("handler") as handler:
            await client.users.fetch(USER_ID)
            assert trace.get_current_span() is handler
    call = next(s for s in otel.finished() if s.name == "propelauth users.fetch")
    assert call.parent is not None and call.parent.span_id == handler.get_span_context().span_id


async def test_a_cancelled_call_ends_its_spans(otel: Telemetry) -> None:
    started = anyio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await anyio.sleep_forever()
        raise AssertionError

    async with Script(hang).client(observers=[otel.observer]) as client:  # type: ignore[arg-type]
        task = asyncio.ensure_future(client.users.fetch(USER_ID))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert trace.get_current_span() is trace.INVALID_SPAN
    spans = otel.finished()
    call = next(s for s in spans if s.name == "propelauth users.fetch")
    assert (call.attributes or {})["propelauth.outcome"] == "cancelled"
    assert len(spans) == 2  # the attempt's span ended too


async def test_hooks_and_opentelemetry_together(otel: Telemetry) -> None:
    events: list[Any] = []
    async with Script().client(observers=[_hooks(events), otel.observer]) as client:
        raw = await client.raw_response(lambda c: c.users.fetch(USER_ID))
    assert raw.status_code == 200
    assert [type(e).__name__ for e in events] == ["RequestEvent", "ResponseEvent"]
    assert len(otel.finished()) == 2


async def test_without_observers_nothing_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("a client without observers consulted them")

    monkeypatch.setattr("propelauth_async.observe.watch", refuse)
    monkeypatch.setattr("propelauth_async.observe.call_info", refuse)
    async with Script(too_many(), ok()).client() as client:
        assert await client.users.fetch(USER_ID) is not None
        assert await client.with_options(max_retries=0).users.fetch(USER_ID) is not None


async def test_views_report_to_the_clients_observers() -> None:
    events: list[Any] = []
    async with Script().client(observers=[_hooks(events)]) as client:
        await client.with_options(timeout=5.0).users.fetch(USER_ID)
    assert [type(e).__name__ for e in events] == ["RequestEvent", "ResponseEvent"]
