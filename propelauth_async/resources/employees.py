"""``client.employees``: your own team's PropelAuth dashboard accounts."""

from __future__ import annotations

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from ..models.flows import Employee


class Employees:
    """Reach it as ``client.employees``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def fetch(self, employee_id: str) -> Employee | None:
        """The employee, or ``None`` when there is none with that id."""
        eid = check.uuid_str(employee_id, "employee_id")
        employee: Employee | None = await self._requester.request(
            endpoints.FETCH_EMPLOYEE, path={"employee_id": eid}
        )
        return employee


__all__ = ["Employees"]
