"""A local PropelAuth emulator for tests, demos and benchmarks.

>>> from propelauth_async.testing import serve_emulator
>>> async with serve_emulator() as emu:
...     user_id = emu.add_user("ada@example.com")
...     async with emu.client() as client:
...         assert (await client.users.fetch(user_id)).email == "ada@example.com"

Serving over HTTP needs uvicorn (``pip install 'propelauth-async[testing]'``); in-process use
through ``httpx.ASGITransport`` needs nothing more. With pytest, the fixtures of
:mod:`propelauth_async.testing.pytest_plugin` need no conftest.py at all.
"""

from ._faults import ConnectionDropped, Fault, InjectedFault
from ._journal import RecordedRequest
from ._roles import RoleHierarchy
from ._seed import SeedError
from ._webhooks import WebhookDelivery, WebhookEndpoint
from .emulator import (
    Emulator,
    EmulatorNotServedError,
    EmulatorStats,
    run_emulator,
    serve_emulator,
)

__all__ = [
    "ConnectionDropped",
    "Emulator",
    "EmulatorNotServedError",
    "EmulatorStats",
    "Fault",
    "InjectedFault",
    "RecordedRequest",
    "RoleHierarchy",
    "SeedError",
    "WebhookDelivery",
    "WebhookEndpoint",
    "run_emulator",
    "serve_emulator",
]
