"""aiohttp: ``@webhook_handler(verifier)`` turns ``async def f(event, request)`` into a route.

    verifier = WebhookVerifier(os.environ["PROPELAUTH_WEBHOOK_SECRET"])

    @webhook_handler(verifier)
    async def on_event(event: WebhookEvent, request: web.Request) -> None:
        if isinstance(event, UserCreated): ...

    app.router.add_post("/webhooks/propelauth", on_event)

The raw body is read by the helper; a refused delivery answers 400 (409 for a replay) as JSON
``{"detail": ...}``; a handler returning ``None`` answers 200 ``{"received": true}``. The
message id is recorded only after the handler returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from . import WebhookEvent, WebhookVerificationError, WebhookVerifier, refusal_status

EventHandler = Callable[[WebhookEvent, web.Request], Awaitable[web.StreamResponse | None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

__all__ = ["webhook_handler"]


def webhook_handler(verifier: WebhookVerifier) -> Callable[[EventHandler], Handler]:
    def decorate(handle: EventHandler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            try:
                event = verifier.verify(body, request.headers, remember=False)
            except WebhookVerificationError as exc:
                return web.json_response({"detail": exc.message}, status=refusal_status(exc))
            response = await handle(event, request)
            verifier.remember(event)
            return response if response is not None else web.json_response({"received": True})

        return handler

    return decorate
