"""myUplink's OAuth2 endpoints, for Home Assistant's application credentials."""

from __future__ import annotations

import os

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant

MYUPLINK_OAUTH_URL = "https://api.myuplink.com/oauth"
OAUTH_URL_ENV = "HOME_ENERGY_LAKE_MYUPLINK_OAUTH_URL"
"""Points the login at another server (the house simulator); users never set it."""


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Where myUplink users authorize Home Assistant, and where tokens come from."""
    base = os.environ.get(OAUTH_URL_ENV, MYUPLINK_OAUTH_URL).rstrip("/")
    return AuthorizationServer(authorize_url=f"{base}/authorize", token_url=f"{base}/token")
