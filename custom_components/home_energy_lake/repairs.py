"""Repair issues for what only the user can fix about the lake.

Bad source credentials are not issues here: the coordinators start a reauth flow,
which Home Assistant already shows. The lake raises three issues: the store has
been unreachable for a long time, the spool is full (new records are refused), and
the spool cannot be written (disk full, permissions). A refused ADLS credential
starts a reauth flow like a source's key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .const import DOMAIN, STORE_UNREACHABLE_AFTER
from .lake.backend import ErrorKind
from .lake.writer import BronzeWriter

CHECK_EVERY = timedelta(minutes=5)
ISSUE_STORE_UNREACHABLE = "store_unreachable"
ISSUE_SPOOL_FULL = "spool_full"
ISSUE_SPOOL_UNWRITABLE = "spool_unwritable"


def issue_id(kind: str, entry_id: str) -> str:
    """One issue of each kind per config entry."""
    return f"{kind}_{entry_id}"


class LakeIssueTracker:
    """Raise and clear the lake's repair issues as the writer's status changes."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], writer: BronzeWriter) -> None:
        """Watch ``writer`` for ``entry``."""
        self._hass = hass
        self._entry = entry
        self._writer = writer
        self._failing_since: datetime | None = None

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Check now, on every status change and every few minutes; return the stop callback."""

        @callback
        def on_time(_now: datetime) -> None:
            self.check()

        unsubscribe = self._writer.add_listener(self.check)
        stop_timer = async_track_time_interval(self._hass, on_time, CHECK_EVERY)
        self.check()

        @callback
        def stop() -> None:
            unsubscribe()
            stop_timer()
            for kind in (ISSUE_STORE_UNREACHABLE, ISSUE_SPOOL_FULL, ISSUE_SPOOL_UNWRITABLE):
                ir.async_delete_issue(self._hass, DOMAIN, issue_id(kind, self._entry.entry_id))

        return stop

    @callback
    def check(self) -> None:
        """Bring the issues in line with the writer's status now."""
        status = self._writer.status
        now = dt_util.utcnow()
        failing = status.upload_error is not None and status.backlog_segments > 0
        if not failing:
            self._failing_since = None
        elif self._failing_since is None:
            self._failing_since = now
        if status.upload_error_kind is ErrorKind.AUTH_FAILED:
            self._entry.async_start_reauth(self._hass)
        self._set(
            ISSUE_STORE_UNREACHABLE,
            self._failing_since is not None
            and now - self._failing_since >= STORE_UNREACHABLE_AFTER,
            {"error": status.upload_error or "", "backlog": str(status.backlog_segments)},
        )
        self._set(ISSUE_SPOOL_FULL, status.spool_full, {"refused": str(status.records_refused)})
        self._set(
            ISSUE_SPOOL_UNWRITABLE,
            status.spool_error is not None,
            {"error": status.spool_error or ""},
        )

    def _set(self, kind: str, active: bool, placeholders: dict[str, str]) -> None:
        if active:
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                issue_id(kind, self._entry.entry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=kind,
                translation_placeholders={"title": self._entry.title, **placeholders},
            )
        else:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id(kind, self._entry.entry_id))
