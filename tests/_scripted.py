"""A client over an ``httpx.MockTransport`` that answers from a script, for the tests of views,
raw responses and observers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from propelauth_async import AsyncPropelAuth

from .conftest import API_KEY, AUTH_URL, user_json

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def ok(**headers: str) -> httpx.Response:
    return httpx.Response(200, json=user_json(), headers=headers)


def too_many(ms: int = 1, *, json_body: Any = None) -> httpx.Response:
    """A 429 about our key (plain text, as PropelAuth sends it), or about one end user (JSON)."""
    if json_body is not None:
        return httpx.Response(429, json=json_body, headers={"retry-after-ms": str(ms)})
    return httpx.Response(
        429, text="Rate limited. Please wait 1 seconds", headers={"retry-after-ms": str(ms)}
    )


class Script:
    """Answers requests in order (the last answer repeats), and keeps every request seen."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [ok()]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer):
            return answer(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def client(self, **options: Any) -> AsyncPropelAuth:
        settings: dict[str, Any] = {"backoff_base": 0.001, "backoff_cap": 0.002}
        settings.update(options)
        return AsyncPropelAuth(AUTH_URL, API_KEY, transport=httpx.MockTransport(self), **settings)
