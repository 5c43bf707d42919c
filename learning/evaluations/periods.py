"""Evaluation periods: a month, a quarter or a year, with labels and the previous period."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from learning.evaluations.models import PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int = 1  # month 1-12, quarter 1-4, 1 for a year

    def __post_init__(self) -> None:
        limits = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}
        if self.kind not in limits:
            raise ValueError("考评周期须为月度、季度或年度")
        if not 1 <= self.number <= limits[self.kind]:
            raise ValueError(f"{PeriodKind(self.kind).label}序号须在 1 到 {limits[self.kind]} 之间")
        if not 2000 <= self.year <= 2100:
            raise ValueError("年份须在 2000 到 2100 之间")

    @classmethod
    def from_start(cls, kind: str, start: dt.date) -> Period:
        if kind == PeriodKind.MONTH:
            return cls(kind, start.year, start.month)
        if kind == PeriodKind.QUARTER:
            return cls(kind, start.year, (start.month - 1) // 3 + 1)
        return cls(kind, start.year, 1)

    @property
    def start(self) -> dt.date:
        if self.kind == PeriodKind.MONTH:
            return dt.date(self.year, self.number, 1)
        if self.kind == PeriodKind.QUARTER:
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day, inclusive."""
        if self.kind == PeriodKind.MONTH:
            return dt.date(self.year, self.number, calendar.monthrange(self.year, self.number)[1])
        if self.kind == PeriodKind.QUARTER:
            month = 3 * self.number
            return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])
        return dt.date(self.year, 12, 31)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days_in_year(self) -> int:
        return 366 if calendar.isleap(self.year) else 365

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.number}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年度"

    def previous(self) -> Period:
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        last = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}[self.kind]
        return Period(self.kind, self.year - 1, last)
