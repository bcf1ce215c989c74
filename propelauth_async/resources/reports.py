"""``client.reports``: the four user reports, the four org reports, and chart metrics.

Each report takes the intervals it accepts as its own enum, so a churn report cannot be asked
for a 60-day window by mistake: :class:`ReportInterval` (30/60/90 days) for top inviters,
champions, org growth and org attrition; :class:`ChurnInterval` (7/14/30 days) for user and
org churn; :class:`ReengagementInterval` (weekly/monthly) for reengagement.
"""

from __future__ import annotations

import datetime
from enum import Enum
from typing import TypeVar

from .. import _endpoints as E
from .. import _validate as v
from .._convert import structure
from .._transport import Requester
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
from ..pagination import AsyncPager, FetchPage, Page, page_from_json
from ._common import make_pager

R = TypeVar("R", UserReportRecord, OrgReportRecord)
I = TypeVar("I", bound=Enum)  # noqa: E741


class Reports:
    """Reach it as ``client.reports``. Each ``x`` has a page method and an ``iter_x`` pager."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def _fetcher(
        self, endpoint: E.Endpoint, record: type[R], interval: Enum | None
    ) -> FetchPage[R]:
        key = "user_reports" if record is UserReportRecord else "org_reports"

        async def fetch(page_number: int, page_size: int) -> Page[R]:
            query = {
                "page_size": page_size,
                "page_number": page_number,
                "report_interval": interval,
            }
            data = await self._requester.request(endpoint, query=query)
            return page_from_json(
                data,
                record,
                items_key=key,
                total_key="total_count",
                page_number=page_number,
                page_size=page_size,
                generated_at_key="report_time",
            )

        return fetch

    async def _page(
        self,
        endpoint: E.Endpoint,
        record: type[R],
        interval: Enum | None,
        page_size: int,
        page_number: int,
    ) -> Page[R]:
        fetch = self._fetcher(endpoint, record, interval)
        return await fetch(v.page_number(page_number), v.page_size(page_size))

    def _pager(
        self, endpoint: E.Endpoint, record: type[R], interval: Enum | None, page_size: int
    ) -> AsyncPager[R]:
        return make_pager(self._fetcher(endpoint, record, interval), page_size, 0, None, False)

    # User reports ----------------------------------------------------------------------------

    async def top_inviters(
        self,
        *,
        report_interval: ReportInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[UserReportRecord]:
        """Users who invited the most others."""
        interval = _interval(report_interval, ReportInterval)
        return await self._page(
            E.USER_TOP_INVITER_REPORT, UserReportRecord, interval, page_size, page_number
        )

    def iter_top_inviters(
        self, *, report_interval: ReportInterval | None = None, page_size: int = 100
    ) -> AsyncPager[UserReportRecord]:
        interval = _interval(report_interval, ReportInterval)
        return self._pager(E.USER_TOP_INVITER_REPORT, UserReportRecord, interval, page_size)

    async def champions(
        self,
        *,
        report_interval: ReportInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[UserReportRecord]:
        """The most active users."""
        interval = _interval(report_interval, ReportInterval)
        return await self._page(
            E.USER_CHAMPION_REPORT, UserReportRecord, interval, page_size, page_number
        )

    def iter_champions(
        self, *, report_interval: ReportInterval | None = None, page_size: int = 100
    ) -> AsyncPager[UserReportRecord]:
        interval = _interval(report_interval, ReportInterval)
        return self._pager(E.USER_CHAMPION_REPORT, UserReportRecord, interval, page_size)

    async def user_churn(
        self,
        *,
        report_interval: ChurnInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[UserReportRecord]:
        """Users who stopped being active."""
        interval = _interval(report_interval, ChurnInterval)
        return await self._page(
            E.USER_CHURN_REPORT, UserReportRecord, interval, page_size, page_number
        )

    def iter_user_churn(
        self, *, report_interval: ChurnInterval | None = None, page_size: int = 100
    ) -> AsyncPager[UserReportRecord]:
        interval = _interval(report_interval, ChurnInterval)
        return self._pager(E.USER_CHURN_REPORT, UserReportRecord, interval, page_size)

    async def user_reengagement(
        self,
        *,
        report_interval: ReengagementInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[UserReportRecord]:
        """Users who came back."""
        interval = _interval(report_interval, ReengagementInterval)
        return await self._page(
            E.USER_REENGAGEMENT_REPORT, UserReportRecord, interval, page_size, page_number
        )

    def iter_user_reengagement(
        self, *, report_interval: ReengagementInterval | None = None, page_size: int = 100
    ) -> AsyncPager[UserReportRecord]:
        interval = _interval(report_interval, ReengagementInterval)
        return self._pager(E.USER_REENGAGEMENT_REPORT, UserReportRecord, interval, page_size)

    # Org reports -----------------------------------------------------------------------------

    async def org_churn(
        self,
        *,
        report_interval: ChurnInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[OrgReportRecord]:
        interval = _interval(report_interval, ChurnInterval)
        return await self._page(
            E.ORG_CHURN_REPORT, OrgReportRecord, interval, page_size, page_number
        )

    def iter_org_churn(
        self, *, report_interval: ChurnInterval | None = None, page_size: int = 100
    ) -> AsyncPager[OrgReportRecord]:
        interval = _interval(report_interval, ChurnInterval)
        return self._pager(E.ORG_CHURN_REPORT, OrgReportRecord, interval, page_size)

    async def org_reengagement(
        self,
        *,
        report_interval: ReengagementInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[OrgReportRecord]:
        interval = _interval(report_interval, ReengagementInterval)
        return await self._page(
            E.ORG_REENGAGEMENT_REPORT, OrgReportRecord, interval, page_size, page_number
        )

    def iter_org_reengagement(
        self, *, report_interval: ReengagementInterval | None = None, page_size: int = 100
    ) -> AsyncPager[OrgReportRecord]:
        interval = _interval(report_interval, ReengagementInterval)
        return self._pager(E.ORG_REENGAGEMENT_REPORT, OrgReportRecord, interval, page_size)

    async def org_growth(
        self,
        *,
        report_interval: ReportInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[OrgReportRecord]:
        interval = _interval(report_interval, ReportInterval)
        return await self._page(
            E.ORG_GROWTH_REPORT, OrgReportRecord, interval, page_size, page_number
        )

    def iter_org_growth(
        self, *, report_interval: ReportInterval | None = None, page_size: int = 100
    ) -> AsyncPager[OrgReportRecord]:
        interval = _interval(report_interval, ReportInterval)
        return self._pager(E.ORG_GROWTH_REPORT, OrgReportRecord, interval, page_size)

    async def org_attrition(
        self,
        *,
        report_interval: ReportInterval | None = None,
        page_size: int = 10,
        page_number: int = 0,
    ) -> Page[OrgReportRecord]:
        interval = _interval(report_interval, ReportInterval)
        return await self._page(
            E.ORG_ATTRITION_REPORT, OrgReportRecord, interval, page_size, page_number
        )

    def iter_org_attrition(
        self, *, report_interval: ReportInterval | None = None, page_size: int = 100
    ) -> AsyncPager[OrgReportRecord]:
        interval = _interval(report_interval, ReportInterval)
        return self._pager(E.ORG_ATTRITION_REPORT, OrgReportRecord, interval, page_size)

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
        name = v.choice(metric, ChartMetric, "metric").value
        for label, day in (("start_date", start_date), ("end_date", end_date)):
            if day is not None and not isinstance(day, datetime.date):
                raise InvalidArgumentError(label, "must be a datetime.date")
        if start_date is not None and end_date is not None and start_date > end_date:
            raise InvalidArgumentError("start_date", "must not be after end_date")
        query = {
            "cadence": None if cadence is None else v.choice(cadence, ChartCadence, "cadence"),
            "start_date": None if start_date is None else start_date.isoformat(),
            "end_date": None if end_date is None else end_date.isoformat(),
        }
        data = await self._requester.request(
            E.FETCH_CHART_METRIC, path={"chart_metric": name}, query=query
        )
        return structure(data, ChartData)


def _interval(value: object, enum: type[I]) -> I | None:
    return None if value is None else v.choice(value, enum, "report_interval")


__all__ = ["Reports"]
