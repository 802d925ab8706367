"""Constants shared by the integration's modules."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "home_energy_lake"
