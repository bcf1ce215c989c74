"""Emulated PropelAuth dashboard employees (seeded with ``Emulator.add_employee``)."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import State, not_found


def employee(state: State, req: Request) -> Any:
    email = state.employees.get(req.uuid("employee_id"))
    if email is None:
        raise not_found("employee")
    return {"email": email}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.FETCH_EMPLOYEE: employee,
}
