"""Emulated reports and chart metrics, computed from the emulator's own users and orgs.

The real service computes these offline from activity it records; here they follow simple,
documented rules over the records' timestamps so tests can predict them:
champions are users active within the interval, most recent first; top inviters are users with
``invites_sent``; churned users were active once but not within the interval; reengaged users
are active within the interval and were created before it. Orgs follow their members.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import OrgRecord, State, UserRecord, bad_request, now, paged

DAY = 86400
_DAYS = {"30": 30, "60": 60, "90": 90}
_CHURN = {"7": 7, "14": 14, "30": 30}
_REENGAGE = {"Weekly": 7, "Monthly": 30}


def _window(req: Request, accepted: dict[str, int], default: str) -> int:
    raw = req.query.get("report_interval") or default
    if raw not in accepted:
        raise bad_request("report_interval", f"Must be one of {', '.join(accepted)}")
    return accepted[raw] * DAY


def _user_row(user: UserRecord, state: State) -> dict[str, Any]:
    return {
        "id": f"row-{user.user_id}",
        "report_id": "emulator",
        "user_id": user.user_id,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "last_active_at": user.last_active_at,
        "user_created_at": user.created_at,
        "org_data": {oid: state.orgs[oid].name for oid in state.user_orgs.get(user.user_id, {})},
        "extra_properties": {"invites_sent": user.invites_sent},
    }


def _org_row(org: OrgRecord) -> dict[str, Any]:
    return {
        "id": f"row-{org.org_id}",
        "report_id": "emulator",
        "org_id": org.org_id,
        "name": org.name,
        "num_users": len(org.members),
        "org_created_at": org.created_at,
        "extra_properties": {},
    }


def _page(req: Request, rows: list[dict[str, Any]], key: str) -> Any:
    page = paged(
        rows,
        page_number=req.query_int("page_number", 0),
        page_size=req.query_int("page_size", 10, 1, 1000),
        key=key,
        total_key="total_count",
    )
    page["report_time"] = now()
    return page


def _active(user: UserRecord, since: int) -> bool:
    return user.last_active_at is not None and user.last_active_at >= since


def _user_report(
    accepted: dict[str, int],
    default: str,
    pick: Callable[[Iterable[UserRecord], int], list[UserRecord]],
) -> Handler:
    def handle(state: State, req: Request) -> Any:
        since = now() - _window(req, accepted, default)
        rows = [_user_row(u, state) for u in pick(state.users.values(), since)]
        return _page(req, rows, "user_reports")

    return handle


def _org_report(
    accepted: dict[str, int], default: str, keep: Callable[[State, OrgRecord, int], bool]
) -> Handler:
    def handle(state: State, req: Request) -> Any:
        state.require_b2b()
        since = now() - _window(req, accepted, default)
        orgs = sorted(
            (o for o in state.orgs.values() if keep(state, o, since)), key=lambda o: -len(o.members)
        )
        return _page(req, [_org_row(o) for o in orgs], "org_reports")

    return handle


def _members(state: State, org: OrgRecord) -> list[UserRecord]:
    return [state.users[uid] for uid in org.members]


def _chart(state: State, req: Request) -> Any:
    metric = req.params["chart_metric"]
    stamps: dict[str, Callable[[], Iterable[int | None]]] = {
        "signups": lambda: (u.created_at for u in state.users.values()),
        "orgs_created": lambda: (o.created_at for o in state.orgs.values()),
        "active_users": lambda: (u.last_active_at for u in state.users.values()),
        "active_orgs": lambda: (
            max((m.last_active_at or 0 for m in _members(state, o)), default=None)
            for o in state.orgs.values()
        ),
    }
    if metric not in stamps:
        raise bad_request("chart_metric", "Unknown chart metric")
    cadence = req.query.get("cadence") or "Daily"
    step = {"Daily": 1, "Weekly": 7, "Monthly": 30}.get(cadence)
    if step is None:
        raise bad_request("cadence", "Must be Daily, Weekly or Monthly")
    today = datetime.date.today()
    try:
        end = datetime.date.fromisoformat(req.query.get("end_date") or today.isoformat())
        start = datetime.date.fromisoformat(
            req.query.get("start_date") or (end - datetime.timedelta(days=30)).isoformat()
        )
    except ValueError:
        raise bad_request("start_date", "Dates are YYYY-MM-DD") from None
    days = [
        datetime.datetime.fromtimestamp(s, tz=datetime.timezone.utc).date()
        for s in stamps[metric]()
        if s
    ]
    points = []
    bucket = start
    while bucket <= end:
        until = bucket + datetime.timedelta(days=step)
        points.append(
            {
                "date": bucket.isoformat(),
                "result": sum(bucket <= d < until for d in days),
                "cadence_completed": until <= today,
            }
        )
        bucket = until
    return {"chart_type": metric, "cadence": cadence, "metrics": points}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.USER_TOP_INVITER_REPORT: _user_report(
        _DAYS,
        "30",
        lambda users, since: sorted(
            (u for u in users if u.invites_sent), key=lambda u: -u.invites_sent
        ),
    ),
    endpoints.USER_CHAMPION_REPORT: _user_report(
        _DAYS,
        "30",
        lambda users, since: sorted(
            (u for u in users if _active(u, since)), key=lambda u: -(u.last_active_at or 0)
        ),
    ),
    endpoints.USER_CHURN_REPORT: _user_report(
        _CHURN,
        "7",
        lambda users, since: [
            u for u in users if u.last_active_at is not None and not _active(u, since)
        ],
    ),
    endpoints.USER_REENGAGEMENT_REPORT: _user_report(
        _REENGAGE,
        "Weekly",
        lambda users, since: [u for u in users if _active(u, since) and u.created_at < since],
    ),
    endpoints.ORG_CHURN_REPORT: _org_report(
        _CHURN,
        "7",
        lambda s, o, since: bool(o.members) and not any(_active(m, since) for m in _members(s, o)),
    ),
    endpoints.ORG_REENGAGEMENT_REPORT: _org_report(
        _REENGAGE,
        "Weekly",
        lambda s, o, since: o.created_at < since and any(_active(m, since) for m in _members(s, o)),
    ),
    endpoints.ORG_GROWTH_REPORT: _org_report(
        _DAYS, "30", lambda s, o, since: o.created_at >= since
    ),
    endpoints.ORG_ATTRITION_REPORT: _org_report(
        _DAYS, "30", lambda s, o, since: any(not _active(m, since) for m in _members(s, o))
    ),
    endpoints.FETCH_CHART_METRIC: _chart,
}
