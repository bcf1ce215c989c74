"""A local PropelAuth emulator for tests, demos and benchmarks.

>>> from propelauth_async.testing import serve_emulator
>>> async with serve_emulator() as emu:
...     user_id = emu.add_user("ada@example.com")
...     async with emu.client() as client:
...         assert (await client.users.fetch(user_id)).email == "ada@example.com"

Serving over HTTP needs uvicorn (``pip install 'propelauth-async[testing]'``); in-process use
through ``httpx.ASGITransport`` needs nothing more.
"""

from ._faults import ConnectionDropped, Fault
from ._roles import RoleHierarchy
from ._webhooks import WebhookDelivery, WebhookEndpoint
from .emulator import Emulator, EmulatorStats, run_emulator, serve_emulator

__all__ = [
    "ConnectionDropped",
    "Emulator",
    "EmulatorStats",
    "Fault",
    "RoleHierarchy",
    "WebhookDelivery",
    "WebhookEndpoint",
    "run_emulator",
    "serve_emulator",
]
