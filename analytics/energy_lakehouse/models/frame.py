"""What every model shares: the hours of a local day, and the error for too little data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd


class NotEnoughDataError(Exception):
    """The lake does not hold what a model needs; the message says what is missing."""


def day_hours(day: date, timezone: str) -> pd.DatetimeIndex:
    """Return the UTC hour starts of one local day (23, 24 or 25 of them)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return pd.date_range(start, end, freq="h", inclusive="left").tz_convert("UTC")


def hours_of(days: list[date], timezone: str) -> pd.DatetimeIndex:
    """Return the UTC hour starts of several local days, in order."""
    if not days:
        return pd.DatetimeIndex([], tz="UTC", name="timestamp")
    index = pd.DatetimeIndex(np.concatenate([day_hours(day, timezone) for day in days]))
    return index.rename("timestamp")
