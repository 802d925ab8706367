"""errors.keeping_raw: parse errors carry the answer they came from, never a later one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.home_energy_lake.api.errors import (
    InvalidResponseError,
    SourceError,
    keeping_raw,
)
from custom_components.home_energy_lake.api.models import RawAnswer

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FIRST = RawAnswer("a", "http://h/a", 200, NOW, b"1")
SECOND = RawAnswer("b", "http://h/b", 200, NOW, b"2")


def test_error_without_answer_gets_it() -> None:
    with pytest.raises(InvalidResponseError) as caught, keeping_raw(FIRST):
        raise InvalidResponseError("bad")
    assert caught.value.raw is FIRST


def test_error_with_an_answer_keeps_its_own() -> None:
    with pytest.raises(SourceError) as caught, keeping_raw(SECOND):
        raise SourceError("bad", raw=FIRST)
    assert caught.value.raw is FIRST


def test_other_exceptions_pass_untouched() -> None:
    with pytest.raises(KeyError), keeping_raw(FIRST):
        raise KeyError("x")
