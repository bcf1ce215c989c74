"""FastAPI: ``Depends(webhook_event(verifier))`` gives the verified, typed event.

    verifier = WebhookVerifier(os.environ["PROPELAUTH_WEBHOOK_SECRET"])

    @app.post("/webhooks/propelauth")
    async def on_event(event: WebhookEvent = Depends(webhook_event(verifier))) -> None:
        if isinstance(event, UserCreated): ...

The dependency reads the raw body itself (never a parsed model), answers 400 for a refused
delivery and 409 for a replayed one, and records the message id only after the handler
returned, so a delivery whose handling failed can be retried by Svix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi import HTTPException, Request

from . import WebhookEvent, WebhookVerificationError, WebhookVerifier, refusal_status

__all__ = ["webhook_event"]


def webhook_event(verifier: WebhookVerifier) -> Callable[[Request], AsyncIterator[WebhookEvent]]:
    async def dependency(request: Request) -> AsyncIterator[WebhookEvent]:
        body = await request.body()
        try:
            event = verifier.verify(body, request.headers, remember=False)
        except WebhookVerificationError as exc:
            raise HTTPException(refusal_status(exc), detail=exc.message) from None
        yield event
        verifier.remember(event)

    return dependency
