"""``client.reports``: the four user reports, the four org reports, and chart metrics.

``await client.reports.champions.query(report_interval=ReportInterval.THIRTY_DAYS)`` gives a
page, ``client.reports.champions.iter()`` every record. Each report takes the intervals it
accepts as its own enum, so a churn report cannot be asked for a 60-day window by mistake:
:class:`ReportInterval` (30/60/90 days) for top inviters,
champions, org growth and org attrition; :class:`ChurnInterval` (7/14/30 days) for user and
org churn; :class:`ReengagementInterval` (weekly/monthly) for reengagement.
"""

from __future__ import annotations

import datetime
from typing import Generic, TypeVar

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from .._types import Unpack
from ..errors import InvalidArgumentError
from ..models.reports import (
    ChartCadence,
    ChartData,
    ChartMetric,
    ChurnInterval,
    OrgReportRecord,
    ReengagementInterval,
    ReportInterval,
    UserReportRecord,
)
from ..pagination import AsyncPager, PageOptions
from ._common import make_pager, paged_fetcher

R = TypeVar("R", UserReportRecord, OrgReportRecord)
Interval = TypeVar("Interval", ReportInterval, ChurnInterval, ReengagementInterval)


class Report(Generic[R, Interval]):
    """One report: ``await report.query(...)`` for a page, ``async for row in report.query()``
    for all of it.
    ``Interval`` is the enum of intervals this report accepts."""

    def __init__(
        self,
        requester: Requester,
        endpoint: endpoints.Endpoint,
        record: type[R],
        interval: type[Interval],
    ) -> None:
        self._requester = requester
        self._endpoint = endpoint
        self._record: type[R] = record
        self._interval: type[Interval] = interval

    def query(
        self,
        *,
        report_interval: Interval | None = None,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[R]:
        """The report's rows: ``await`` it for one page, ``async for`` over it for every row. A
        page number or size not given is not sent (the server's defaults, 0 and 10, apply)."""
        interval = (
            None
            if report_interval is None
            else check.choice(report_interval, self._interval, "report_interval")
        )
        fetch = paged_fetcher(self._requester, self._endpoint, {"report_interval": interval})
        return make_pager(fetch, **paging)

    iter = query
    """The 0.1 name of :meth:`query`, kept."""


class Reports:
    """Reach it as ``client.reports``: eight reports and ``fetch_chart``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        #: Users who invited the most others.
        self.top_inviters = Report(
            requester, endpoints.USER_TOP_INVITER_REPORT, UserReportRecord, ReportInterval
        )
        #: The most active users.
        self.champions = Report(
            requester, endpoints.USER_CHAMPION_REPORT, UserReportRecord, ReportInterval
        )
        #: Users who stopped being active.
        self.user_churn = Report(
            requester, endpoints.USER_CHURN_REPORT, UserReportRecord, ChurnInterval
        )
        #: Users who came back.
        self.user_reengagement = Report(
            requester, endpoints.USER_REENGAGEMENT_REPORT, UserReportRecord, ReengagementInterval
        )
        self.org_churn = Report(
            requester, endpoints.ORG_CHURN_REPORT, OrgReportRecord, ChurnInterval
        )
        self.org_reengagement = Report(
            requester, endpoints.ORG_REENGAGEMENT_REPORT, OrgReportRecord, ReengagementInterval
        )
        self.org_growth = Report(
            requester, endpoints.ORG_GROWTH_REPORT, OrgReportRecord, ReportInterval
        )
        self.org_attrition = Report(
            requester, endpoints.ORG_ATTRITION_REPORT, OrgReportRecord, ReportInterval
        )

    # Chart metrics ---------------------------------------------------------------------------

    async def fetch_chart(
        self,
        metric: ChartMetric | str,
        *,
        cadence: ChartCadence | str | None = None,
        start_date: datetime.date | None = None,
        end_date: datetime.date | None = None,
    ) -> ChartData:
        """A metric (signups, orgs created, active users or orgs) over a date range."""
        name = check.choice(metric, ChartMetric, "metric").value
        start, end = (
            check.maybe(check.day, start_date, "start_date"),
            check.maybe(check.day, end_date, "end_date"),
        )
        if start is not None and end is not None and start > end:
            raise InvalidArgumentError("start_date", "must not be after end_date")
        query = {
            "cadence": None if cadence is None else check.choice(cadence, ChartCadence, "cadence"),
            "start_date": None if start is None else start.isoformat(),
            "end_date": None if end is None else end.isoformat(),
        }
        answer: ChartData = await self._requester.request(
            endpoints.FETCH_CHART_METRIC, path={"chart_metric": name}, query=query
        )
        return answer


__all__ = ["Report", "Reports"]
