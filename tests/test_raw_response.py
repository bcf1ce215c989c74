"""``client.raw_response``: the HTTP answer behind a call, beside its parsed value."""

from __future__ import annotations

import anyio
import httpx
import pytest

from propelauth_async import BadRequestError, InvalidArgumentError, User

from ._scripted import Script, ok, too_many
from .conftest import USER_ID, user_json


async def test_status_headers_and_parsed_value() -> None:
    script = Script(ok(**{"X-RateLimit-Remaining": "41", "x-request-id": "r-1"}))
    async with script.client() as client:
        raw = await client.raw_response(lambda c: c.users.fetch(USER_ID))
    assert isinstance(raw.parsed, User) and raw.parsed.user_id == USER_ID
    assert raw.status_code == 200 and raw.retries_taken == 0
    assert raw.headers["x-ratelimit-remaining"] == "41"
    assert raw.headers["X-Request-Id"] == "r-1"
    assert "authorization" not in raw.headers  # the answer's headers, never the request's


async def test_a_lookup_that_finds_nothing_shows_the_404() -> None:
    script = Script(httpx.Response(404, json={"error": "not found"}))
    async with script.client() as client:
        raw = await client.raw_response(lambda c: c.users.fetch(USER_ID))
    assert raw.parsed is None and raw.status_code == 404


async def test_the_answer_after_a_429_and_the_retries_before_it() -> None:
    script = Script(too_many(), ok(**{"x-ratelimit-remaining": "0"}))
    async with script.client() as client:
        raw = await client.raw_response(lambda c: c.users.fetch(USER_ID))
    assert (raw.status_code, raw.retries_taken) == (200, 1)
    assert raw.headers["x-ratelimit-remaining"] == "0"


async def test_a_chunked_batch_shows_every_request() -> None:
    ids = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(250)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = httpx.Response(200, content=request.content).json()["user_ids"]
        return httpx.Response(200, json=[user_json(i) for i in asked])

    script = Script(answer)
    async with script.client() as client:
        raw = await client.raw_response(lambda c: c.users.fetch_batch_by_ids(ids))
    assert len(raw.parsed) == 250
    assert [r.status_code for r in raw.responses] == [200, 200, 200]


async def test_errors_are_raised_as_usual() -> None:
    script = Script(httpx.Response(400, json={"email": ["bad"]}))
    async with script.client() as client:
        with pytest.raises(BadRequestError):
            await client.raw_response(lambda c: c.users.create(email="x@example.com"))


async def test_a_call_that_sends_nothing_has_no_raw_response() -> None:
    async with Script().client() as client:
        with pytest.raises(InvalidArgumentError, match="no request"):
            await client.raw_response(lambda c: c.users.fetch_batch_by_ids([]))


async def test_concurrent_raw_calls_keep_their_own_answers() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        marker = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, json=user_json(marker), headers={"x-for": marker})

    ids = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(20)]
    seen: dict[str, str] = {}
    async with Script(answer).client() as client:
        view = client.with_options(max_retries=0)

        async def one(user_id: str) -> None:
            raw = await view.raw_response(lambda c: c.users.fetch(user_id))
            seen[user_id] = raw.headers["x-for"]

        async with anyio.create_task_group() as tasks:
            for user_id in ids:
                tasks.start_soon(one, user_id)
    assert seen == {i: i for i in ids}
