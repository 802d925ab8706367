"""Config flow for Home Energy Lake."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import DOMAIN


class HomeEnergyLakeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one home and its lake."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create the entry for this Home Assistant's home."""
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=self.hass.config.location_name, data={})
