"""OpenTelemetry for the client's own calls: ``pip install 'propelauth-async[otel]'``.

``AsyncPropelAuth(..., observers=[OpenTelemetry()])`` gives each logical call one span, named
after the operation (``propelauth users.fetch``), with a child span per HTTP attempt, and
records four metrics. The httpx instrumentation sees each attempt alone; here a call's retries,
429s and waits in the client's limiter sit under one parent, where a slow call can be read.

Call span attributes: ``propelauth.operation``, ``http.request.method``, ``url.template`` (the
path template, never the filled path or the query: emails travel there), ``server.address``,
``propelauth.attempts``, ``propelauth.retries``, ``propelauth.rate_limited`` (429s seen),
``propelauth.rate_limit.scopes`` (``backend``, ``subject``), ``propelauth.limiter.wait``
(seconds), ``propelauth.outcome`` (``success``, ``error``, ``cancelled``), and on failure
``error.type`` and an error status. Attempt spans (kind CLIENT) carry the HTTP attributes,
``http.response.status_code`` and ``http.request.resend_count``.

Metrics: ``propelauth.client.requests`` (attempts sent, by operation and status),
``propelauth.client.retries`` (by operation and reason), ``propelauth.client.rate_limited``
(429s by operation and scope) and the histogram ``propelauth.client.limiter.wait`` (seconds).

Only ``opentelemetry-api`` is needed: without an SDK configured, everything is a no-op.
No request header, API key or error message is ever recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import Token
from typing import TYPE_CHECKING

from opentelemetry import context, metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from ._version import __version__
from .errors import PropelAuthError
from .observe import CallInfo

if TYPE_CHECKING:
    from opentelemetry.util.types import AttributeValue

__all__ = ["OpenTelemetry"]

_SCOPE = "propelauth_async"


class OpenTelemetry:
    """Traces and metrics of every call, from the global providers unless given."""

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider)
        self._requests = meter.create_counter(
            "propelauth.client.requests",
            unit="{request}",
            description="HTTP requests sent to the PropelAuth backend API (every attempt)",
        )
        self._retries = meter.create_counter(
            "propelauth.client.retries",
            unit="{retry}",
            description="Retries granted after a failed attempt",
        )
        self._rate_limited = meter.create_counter(
            "propelauth.client.rate_limited",
            unit="{response}",
            description="429 answers, by scope (backend: our API key; subject: one end user)",
        )
        self._limiter_wait = meter.create_histogram(
            "propelauth.client.limiter.wait",
            unit="s",
            description="Time an attempt waited in the client's limiter before it was sent",
        )

    def start(self, call: CallInfo) -> _TracedCall:
        return _TracedCall(self, call)


def _base_attributes(call: CallInfo) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "propelauth.operation": call.operation,
        "http.request.method": call.method,
        "url.template": call.path_template,
        "server.address": call.server_address,
    }
    if call.server_port is not None:
        attributes["server.port"] = call.server_port
    return attributes


def _error_type(error: BaseException) -> str:
    return type(error).__qualname__


class _TracedCall:
    """One call's span, its current attempt's span, and what the call has been through."""

    def __init__(self, owner: OpenTelemetry, call: CallInfo) -> None:
        self._owner = owner
        self._call = call
        self._attributes = _base_attributes(call)
        self._span = owner._tracer.start_span(
            f"propelauth {call.operation}", kind=SpanKind.INTERNAL, attributes=self._attributes
        )
        self._token = context.attach(trace.set_span_in_context(self._span))
        self._attempt_span: trace.Span | None = None
        self._attempt_token: Token[context.Context] | None = None
        self._attempts = 0
        self._retries = 0
        self._rate_limited = 0
        self._scopes: list[str] = []
        self._waited = 0.0
        self._status: int | None = None

    def attempt_started(self, attempt: int, limiter_wait: float) -> None:
        owner, call = self._owner, self._call
        self._attempts = attempt
        self._waited += limiter_wait
        owner._limiter_wait.record(limiter_wait, {"propelauth.operation": call.operation})
        attributes = dict(self._attributes)
        attributes["propelauth.attempt"] = attempt
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
        self._attempt_span = owner._tracer.start_span(
            f"{call.method} {call.path_template}", kind=SpanKind.CLIENT, attributes=attributes
        )
        self._attempt_token = context.attach(trace.set_span_in_context(self._attempt_span))

    def attempt_ended(
        self, status: int | None, headers: Mapping[str, str], error: BaseException | None
    ) -> None:
        span, self._attempt_span = self._attempt_span, None
        token, self._attempt_token = self._attempt_token, None
        if span is None or token is None:
            return
        context.detach(token)
        counted: dict[str, AttributeValue] = {
            "propelauth.operation": self._call.operation,
            "http.request.method": self._call.method,
        }
        if status is not None:
            self._status = status
            span.set_attribute("http.response.status_code", status)
            counted["http.response.status_code"] = status
        if error is not None:
            span.set_attribute("error.type", _error_type(error))
            span.set_status(Status(StatusCode.ERROR, _error_type(error)))
            counted["error.type"] = _error_type(error)
        span.end()
        self._owner._requests.add(1, counted)

    def rate_limited(self, scope: str, retry_after: float | None) -> None:
        self._rate_limited += 1
        if scope not in self._scopes:
            self._scopes.append(scope)
        attributes: dict[str, AttributeValue] = {"propelauth.rate_limit.scope": scope}
        if retry_after is not None:
            attributes["propelauth.retry_after"] = retry_after
        self._span.add_event("rate_limited", attributes)
        self._owner._rate_limited.add(
            1, {"propelauth.operation": self._call.operation, "propelauth.rate_limit.scope": scope}
        )

    def retrying(self, reason: str, wait: float, error: PropelAuthError) -> None:
        self._retries += 1
        self._span.add_event(
            "retry",
            {
                "propelauth.retry.reason": reason,
                "propelauth.retry.wait": wait,
                "error.type": _error_type(error),
            },
        )
        self._owner._retries.add(
            1, {"propelauth.operation": self._call.operation, "propelauth.retry.reason": reason}
        )

    def finished(self, error: BaseException | None) -> None:
        if self._attempt_span is not None:  # never left open, whatever ended the call
            self.attempt_ended(None, {}, error)
        span = self._span
        span.set_attribute("propelauth.attempts", self._attempts)
        span.set_attribute("propelauth.retries", self._retries)
        span.set_attribute("propelauth.rate_limited", self._rate_limited)
        span.set_attribute("propelauth.rate_limit.scopes", tuple(self._scopes))
        span.set_attribute("propelauth.limiter.wait", self._waited)
        if self._status is not None:
            span.set_attribute("http.response.status_code", self._status)
        if error is None:
            span.set_attribute("propelauth.outcome", "success")
        elif isinstance(error, Exception):
            span.set_attribute("propelauth.outcome", "error")
            span.set_attribute("error.type", _error_type(error))
            span.set_status(Status(StatusCode.ERROR, _error_type(error)))
        else:  # cancelled (or interrupted): not the server's doing, and not an error of ours
            span.set_attribute("propelauth.outcome", "cancelled")
        context.detach(self._token)
        span.end()
