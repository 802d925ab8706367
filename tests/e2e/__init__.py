"""End-to-end: a real hass process, the house simulator, the integration added by REST."""
