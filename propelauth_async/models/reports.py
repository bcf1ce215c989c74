"""User and org reports, and chart metrics."""

from __future__ import annotations

from enum import Enum

import attrs

from .._types import JSONObject


class ReportInterval(str, Enum):
    """For the top-inviter, champion, org-growth and org-attrition reports (days)."""

    THIRTY_DAYS = "30"
    SIXTY_DAYS = "60"
    NINETY_DAYS = "90"


class ChurnInterval(str, Enum):
    """For the user-churn and org-churn reports (days)."""

    SEVEN_DAYS = "7"
    FOURTEEN_DAYS = "14"
    THIRTY_DAYS = "30"


class ReengagementInterval(str, Enum):
    """For the user- and org-reengagement reports."""

    WEEKLY = "Weekly"
    MONTHLY = "Monthly"


class ChartMetric(str, Enum):
    """What a chart counts (``reports.fetch_chart``)."""

    SIGNUPS = "signups"
    ORGS_CREATED = "orgs_created"
    ACTIVE_USERS = "active_users"
    ACTIVE_ORGS = "active_orgs"


class ChartCadence(str, Enum):
    """The width of one point of a chart."""

    DAILY = "Daily"
    WEEKLY = "Weekly"
    MONTHLY = "Monthly"


@attrs.frozen(kw_only=True)
class UserReportRecord:
    """One user in a user report (top inviters, champions, churn, re-engagement)."""

    id: str | None = None
    report_id: str | None = None
    user_id: str
    email: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    last_active_at: int | None = None
    user_created_at: int | None = None
    org_data: JSONObject | None = None
    extra_properties: JSONObject | None = None


@attrs.frozen(kw_only=True)
class OrgReportRecord:
    """One org in an org report (churn, re-engagement, growth, attrition)."""

    id: str | None = None
    report_id: str | None = None
    org_id: str
    name: str | None = None
    num_users: int | None = None
    org_created_at: int | None = None
    extra_properties: JSONObject | None = None


@attrs.frozen(kw_only=True)
class ChartDataPoint:
    """One point of a chart (``reports.fetch_chart``): the count for one period."""

    date: str
    result: int
    cadence_completed: bool | None = None


@attrs.frozen(kw_only=True)
class ChartData:
    """A metric over time. ``cadence`` is kept as the server's string (an open enum)."""

    chart_type: str
    cadence: str | None = None
    metrics: tuple[ChartDataPoint, ...] = ()
