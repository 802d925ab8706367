"""Fast rendering of fixed-shape JSON answers: lay the document out once, fill values after."""

from __future__ import annotations

import json
import math
from typing import Any

_MARK = "\u00a7\u00a7"
"""Marks a slot in the skeleton; JSON leaves it as it is with ``ensure_ascii=False``."""


def slot(name: str) -> str:
    """Return a placeholder for a value, to put in the document's skeleton."""
    return f"{_MARK}{name}{_MARK}"


class Template:
    """A JSON document of fixed shape whose values change: dumps the shape once."""

    def __init__(self, skeleton: Any, *, indent: int | None, separators: tuple[str, str]) -> None:
        """Lay out ``skeleton``; strings made by :func:`slot` become fillable values."""
        text = json.dumps(skeleton, indent=indent, separators=separators, ensure_ascii=False)
        text = text.replace("{", "{{").replace("}", "}}")
        self._format = text.replace(f'"{_MARK}', "{").replace(f'{_MARK}"', "}")

    def render(self, **values: Any) -> bytes:
        """Return the document with ``values`` (numbers, strings, None, or JSON-able objects)."""
        return self._format.format_map({k: json_value(v) for k, v in values.items()}).encode()

    def render_json(self, **texts: str) -> bytes:
        """Return the document with values already written as JSON text (the fast path)."""
        return self._format.format_map(texts).encode()


def json_value(value: Any) -> str:
    """One value as JSON text; NaN and infinities become null, as devices send them."""
    kind = type(value)
    if kind is float:
        return repr(value) if math.isfinite(value) else "null"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, float):
        return "null" if not math.isfinite(value) else repr(value)
    if isinstance(value, bool | int):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)
