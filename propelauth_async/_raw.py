"""Raw responses: the HTTP answers behind a call, recorded by an observer of a one-off view.

``client.raw_response(...)`` gives its callable a view whose requester has one more observer,
a recorder made for that one use; concurrent raw calls never see each other's answers, and the
requester has no raw-response code of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

import attrs

from .errors import InvalidArgumentError, PropelAuthError
from .observe import CallInfo, CallObserver, ResponseHeaders

T = TypeVar("T")


@attrs.frozen
class HttpResponse:
    """The final answer of one request: its status and headers, and ``retries_taken`` before
    it (429s included)."""

    status_code: int
    headers: ResponseHeaders
    retries_taken: int


@attrs.frozen
class RawResponse(Generic[T]):
    """A call's result (``parsed``, exactly what the method returns) with the HTTP answers
    behind it. ``status_code``, ``headers`` and ``retries_taken`` are the last answer's; a
    lookup that found nothing has ``parsed`` ``None`` and ``status_code`` 404."""

    parsed: T
    responses: tuple[HttpResponse, ...]

    @property
    def status_code(self) -> int:
        return self.responses[-1].status_code

    @property
    def headers(self) -> ResponseHeaders:
        return self.responses[-1].headers

    @property
    def retries_taken(self) -> int:
        return self.responses[-1].retries_taken


class Recorder:
    """An observer that keeps each call's final answer, for one ``raw_response``."""

    def __init__(self) -> None:
        self.answers: list[HttpResponse] = []

    def start(self, call: CallInfo) -> CallObserver:
        return _RecordedCall(self.answers)

    def response(self, parsed: T) -> RawResponse[T]:
        if not self.answers:
            raise InvalidArgumentError(
                "call", "sent no request (an empty batch, say), so there is no response to show"
            )
        return RawResponse(parsed, tuple(self.answers))


class _RecordedCall:
    __slots__ = ("_answers", "_attempts", "_last")

    def __init__(self, answers: list[HttpResponse]) -> None:
        self._answers = answers
        self._attempts = 0
        self._last: tuple[int, Mapping[str, str]] | None = None

    def attempt_started(self, attempt: int, limiter_wait: float) -> None:
        self._attempts = attempt

    def attempt_ended(
        self, status: int | None, headers: Mapping[str, str], error: BaseException | None
    ) -> None:
        self._last = None if status is None else (status, headers)

    def rate_limited(self, scope: str, retry_after: float | None) -> None:
        pass

    def retrying(self, reason: str, wait: float, error: PropelAuthError) -> None:
        pass

    def finished(self, error: BaseException | None) -> None:
        if self._last is not None:
            status, headers = self._last
            self._answers.append(
                HttpResponse(status, ResponseHeaders(headers), max(0, self._attempts - 1))
            )
