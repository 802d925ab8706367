"""Config flow for Home Energy Lake: one guided flow for a home, its sources and its lake.

The user picks the sources and the store on the first form; the flow then walks one
step per choice (the lake first, then each source), testing every one before it moves
on. Reconfigure and reauth walk the same steps, so each source is validated by one
piece of code whichever way it is entered. myUplink needs OAuth2: the flow subclasses
Home Assistant's OAuth2 flow handler and runs its steps only when myUplink is chosen,
because HA's OAuth callback resumes config flows (not subentry flows).
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
import logging
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_LATITUDE, CONF_LONGITUDE
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import voluptuous as vol

from . import async_integration_version, budgets, user_agent
from .api.errors import (
    AuthenticationError,
    CannotConnectError,
    DeviceAsleepError,
    RateLimitedError,
    SourceError,
)
from .api.models import DeviceIdentity
from .const import (
    BACKEND_ADLS,
    BACKEND_LOCAL,
    CONF_BACKEND,
    CONF_BASE_URL,
    CONF_DEVICE_ID,
    CONF_IDENTITY,
    CONF_LAKE,
    CONF_PATH,
    CONF_SITE_ID,
    CONF_SOURCES,
    DEFAULT_LAKE_FOLDER,
    DEFAULT_SEGMENT_MAX_AGE_MIN,
    DEFAULT_SPOOL_MAX_MB,
    DOMAIN,
    LOGGER,
    MYUPLINK_SCOPES,
    OPT_SEGMENT_MAX_AGE_MIN,
    OPT_SPOOL_MAX_MB,
    interval_option,
)
from .lake.adls import AdlsAuth, AdlsConfig
from .lake.backend import BackendError, ErrorKind
from .sources import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_URL,
    EMONCMS,
    FRONIUS,
    HEATPUMP_VENDORS,
    METNO,
    MYUPLINK,
    OPENMETEO,
    OWM,
    SOLAR_VENDORS,
    SOLAREDGE,
    SOURCES,
    WEATHER_VENDORS,
    build_client,
)
from .store import build_backend, entry_title, lake_identity

CHOICE_SOLAR: Final = "solar"
CHOICE_HEATPUMP: Final = "heatpump"
CHOICE_WEATHER: Final = "weather"
CHOICE_NONE: Final = "none"
CHOICE_SOURCE: Final = "source"
LAKE: Final = "lake"
ADVANCED: Final = "advanced"
"""The first form's collapsed section, for what only mirrors and the simulator need."""
CUSTOM_API_URLS: Final = "custom_api_urls"
"""Ticked in ``ADVANCED``: the cloud sources' steps ask for their API URL."""
ADLS_SECRETS: Final = frozenset({"account_key", "sas_token", "client_secret"})

# Which form error each client error becomes; the first matching class wins.
SOURCE_ERRORS: Final[tuple[tuple[type[SourceError], str], ...]] = (
    (AuthenticationError, "invalid_auth"),
    (RateLimitedError, "rate_limited"),
    (CannotConnectError, "cannot_connect"),
    (DeviceAsleepError, "device_asleep"),
    (SourceError, "invalid_response"),
)

FRONIUS_MAC_PREFIX: Final = "00:03:ac"
"""Fronius's MAC address block (IEEE OUI 00-03-AC), as the manifest's DHCP matcher has it."""

UNEXPECTED: Final = "unknown"
"""The form error (and, after the OAuth login, the abort) for an error nobody expected."""
NO_SOURCE: Final = "no_source"

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def _select(options: list[str], key: str, *, multiple: bool = False) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=options,
            translation_key=key,
            multiple=multiple,
            mode=SelectSelectorMode.LIST,
        )
    )


def _fronius_name(identity: DeviceIdentity) -> str:
    """Name a discovered Fronius on its card: its name, else its model."""
    return f"Fronius {identity.name or identity.model or identity.unique_id}"


def _chosen_vendors(choice: Mapping[str, Any]) -> list[str]:
    """Return the vendors the first form chose: solar, heat pump, then weather APIs."""
    vendors = [choice[CHOICE_SOLAR], choice[CHOICE_HEATPUMP], *choice[CHOICE_WEATHER]]
    return [v for v in vendors if v != CHOICE_NONE]


class HomeEnergyLakeConfigFlow(config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Add one home and its lake, or change or re-authenticate it."""

    DOMAIN = DOMAIN
    VERSION = 1
    MINOR_VERSION = 2
    """2: the title names the lake (entries of 1 were titled with the home's name only)."""

    def __init__(self) -> None:
        """Start with nothing chosen."""
        super().__init__()
        self._data: dict[str, Any] = {CONF_SOURCES: {}}
        self._previous: dict[str, Any] = {}
        """The sources of the entry being reconfigured or re-authenticated."""
        self._queue: list[str] = []
        self._custom_api_urls = False
        self._discovered: tuple[dict[str, Any], DeviceIdentity] | None = None
        """A Fronius found by DHCP and tested: its settings and who it is."""

    @property
    def logger(self) -> logging.Logger:
        """The logger the OAuth2 steps write to."""
        return LOGGER

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask myUplink for read access and a refresh token."""
        return {"scope": " ".join(MYUPLINK_SCOPES)}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> OptionsFlow:
        """Poll intervals and store settings."""
        return HomeEnergyLakeOptionsFlow()

    # The first form: which sources and which store.

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the home's location, its sources and where the lake lives."""
        if user_input is not None and _chosen_vendors(user_input):
            return await self._async_chosen(user_input)
        defaults = {
            CONF_LATITUDE: self.hass.config.latitude,
            CONF_LONGITUDE: self.hass.config.longitude,
            CHOICE_SOLAR: CHOICE_NONE,
            CHOICE_HEATPUMP: CHOICE_NONE,
            CHOICE_WEATHER: [OPENMETEO, METNO],
            LAKE: BACKEND_LOCAL,
            CUSTOM_API_URLS: False,
        }
        return self._async_show_choice("user", defaults, user_input)

    # Discovery: a Fronius asking the router for an address (DHCP, MAC block 00:03:AC).

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Follow a configured Fronius to its new address, or offer a new one."""
        if not format_mac(discovery_info.macaddress).startswith(FRONIUS_MAC_PREFIX):
            return self.async_abort(reason="not_fronius")
        host = discovery_info.ip
        self._data[CONF_LATITUDE] = self.hass.config.latitude
        self._data[CONF_LONGITUDE] = self.hass.config.longitude
        found = await self._async_identify(FRONIUS, {CONF_HOST: host}, None)
        if isinstance(found, str):
            return self.async_abort(reason="no_solar_api", description_placeholders={"host": host})
        # One flow per inverter; an inverter the user chose to ignore stays ignored.
        await self.async_set_unique_id(found.unique_id)
        self._abort_if_unique_id_configured()
        for entry in self._async_current_entries(include_ignore=False):
            conf = entry.data.get(CONF_SOURCES, {}).get(FRONIUS)
            if conf is None or conf[CONF_DEVICE_ID] != found.unique_id:
                continue
            if conf[CONF_HOST] != host:
                sources = {**entry.data[CONF_SOURCES], FRONIUS: {**conf, CONF_HOST: host}}
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_SOURCES: sources}
                )
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_abort(reason="fronius_already_configured")
        self._discovered = ({CONF_HOST: host}, found)
        self.context["title_placeholders"] = {"name": _fronius_name(found)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was found; on confirmation, set up a home with it as the solar source."""
        assert self._discovered is not None
        conf, identity = self._discovered
        if user_input is None:
            return self.async_show_form(
                step_id="discovery_confirm",
                description_placeholders={
                    "name": _fronius_name(identity),
                    "serial": identity.unique_id,
                    "host": conf[CONF_HOST],
                },
            )
        defaults = {
            CONF_LATITUDE: self.hass.config.latitude,
            CONF_LONGITUDE: self.hass.config.longitude,
            CHOICE_SOLAR: FRONIUS,
            CHOICE_HEATPUMP: CHOICE_NONE,
            CHOICE_WEATHER: [OPENMETEO, METNO],
            LAKE: BACKEND_LOCAL,
            CUSTOM_API_URLS: False,
        }
        return self.async_show_form(step_id="user", data_schema=self._choice_schema(defaults))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the sources or the lake of an existing home, testing each again."""
        entry = self._get_reconfigure_entry()
        await self.async_set_unique_id(entry.unique_id)
        if user_input is not None and _chosen_vendors(user_input):
            self._data = copy.deepcopy(dict(entry.data))
            self._previous = self._data[CONF_SOURCES]
            return await self._async_chosen(user_input)
        sources = entry.data[CONF_SOURCES]
        defaults = {
            CONF_LATITUDE: entry.data[CONF_LATITUDE],
            CONF_LONGITUDE: entry.data[CONF_LONGITUDE],
            CHOICE_SOLAR: next((v for v in SOLAR_VENDORS if v in sources), CHOICE_NONE),
            CHOICE_HEATPUMP: next((v for v in HEATPUMP_VENDORS if v in sources), CHOICE_NONE),
            CHOICE_WEATHER: [v for v in WEATHER_VENDORS if v in sources],
            LAKE: entry.data[CONF_LAKE][CONF_BACKEND],
            CUSTOM_API_URLS: any(CONF_BASE_URL in conf for conf in sources.values()),
        }
        return self._async_show_choice("reconfigure", defaults, user_input)

    def _async_show_choice(
        self, step_id: str, defaults: Mapping[str, Any], user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Show the first form; a home without a single source is refused."""
        schema = self._choice_schema(defaults)
        if user_input is None:
            return self.async_show_form(step_id=step_id, data_schema=schema)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors={"base": NO_SOURCE},
        )

    def _choice_schema(self, defaults: Mapping[str, Any]) -> vol.Schema:
        return vol.Schema(
            {
                vol.Required(CONF_LATITUDE, default=defaults[CONF_LATITUDE]): vol.All(
                    vol.Coerce(float), vol.Range(min=-90, max=90)
                ),
                vol.Required(CONF_LONGITUDE, default=defaults[CONF_LONGITUDE]): vol.All(
                    vol.Coerce(float), vol.Range(min=-180, max=180)
                ),
                vol.Required(CHOICE_SOLAR, default=defaults[CHOICE_SOLAR]): _select(
                    [CHOICE_NONE, *SOLAR_VENDORS], CHOICE_SOLAR
                ),
                vol.Required(CHOICE_HEATPUMP, default=defaults[CHOICE_HEATPUMP]): _select(
                    [CHOICE_NONE, *HEATPUMP_VENDORS], CHOICE_HEATPUMP
                ),
                vol.Optional(CHOICE_WEATHER, default=defaults[CHOICE_WEATHER]): _select(
                    list(WEATHER_VENDORS), CHOICE_WEATHER, multiple=True
                ),
                vol.Required(LAKE, default=defaults[LAKE]): _select(
                    [BACKEND_LOCAL, BACKEND_ADLS], LAKE
                ),
                vol.Optional(ADVANCED, default={}): section(
                    vol.Schema(
                        {vol.Required(CUSTOM_API_URLS, default=defaults[CUSTOM_API_URLS]): bool}
                    ),
                    {"collapsed": True},
                ),
            }
        )

    async def _async_chosen(self, choice: Mapping[str, Any]) -> ConfigFlowResult:
        """Queue one step per choice: the lake first, so a taken lake aborts early."""
        self._data[CONF_LATITUDE] = choice[CONF_LATITUDE]
        self._data[CONF_LONGITUDE] = choice[CONF_LONGITUDE]
        self._custom_api_urls = choice[ADVANCED][CUSTOM_API_URLS]
        vendors = _chosen_vendors(choice)
        self._data[CONF_SOURCES] = {}
        self._queue = [choice[LAKE], *vendors]
        if MYUPLINK not in vendors:
            for key in ("auth_implementation", "token"):
                self._data.pop(key, None)
        elif "token" in self._data and MYUPLINK in self._previous:
            # Reconfigure keeps a working myUplink login; reauth is the way to renew it.
            self._data[CONF_SOURCES][MYUPLINK] = self._previous[MYUPLINK]
            self._queue.remove(MYUPLINK)
        return await self._async_next()

    async def _async_next(self) -> ConfigFlowResult:
        """Run the next queued step, or finish."""
        if self._queue:
            step = self._queue.pop(0)
            method = getattr(self, f"async_step_{step}")
            result: ConfigFlowResult = await method()
            return result
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data=self._data)
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            # The title follows a new lake unless the user gave the entry a title of their own.
            automatic = entry.title == entry_title(self.hass, entry.data[CONF_LAKE])
            return self.async_update_reload_and_abort(
                entry,
                unique_id=self.unique_id,
                title=entry_title(self.hass, self._data[CONF_LAKE]) if automatic else entry.title,
                data=self._data,
            )
        return self.async_create_entry(
            title=entry_title(self.hass, self._data[CONF_LAKE]), data=self._data
        )

    # The lake.

    async def async_step_local(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Keep the lake in a folder on this machine (by default under the config folder)."""
        lake = self._data.get(CONF_LAKE, {})
        default = lake.get(CONF_PATH, DEFAULT_LAKE_FOLDER)
        schema = vol.Schema({vol.Required(CONF_PATH, default=default): str})
        if user_input is None:
            return self.async_show_form(step_id=BACKEND_LOCAL, data_schema=schema)
        return await self._async_check_lake(
            BACKEND_LOCAL, {CONF_BACKEND: BACKEND_LOCAL, **user_input}, schema
        )

    async def async_step_adls(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Keep the lake in ADLS Gen2: account key, SAS or service principal."""
        lake = self._data.get(CONF_LAKE, {})
        if lake.get(CONF_BACKEND) != BACKEND_ADLS:
            lake = {}
        shown = {k: v for k, v in lake.items() if k not in ADLS_SECRETS and k != CONF_BACKEND}
        fields: dict[vol.Marker, Any] = {
            vol.Required("account_name"): str,
            vol.Required("filesystem"): str,
            vol.Optional("path_prefix"): str,
            vol.Required("auth", default=AdlsAuth.ACCOUNT_KEY.value): _select(
                [a.value for a in AdlsAuth], "adls_auth"
            ),
            vol.Optional("account_key"): PASSWORD,
            vol.Optional("sas_token"): PASSWORD,
            vol.Optional("tenant_id"): str,
            vol.Optional("client_id"): str,
            vol.Optional("client_secret"): PASSWORD,
            # Private endpoints and sovereign clouds; empty means <account>.dfs.core.windows.net.
            vol.Optional("endpoint"): URL,
        }
        schema = self.add_suggested_values_to_schema(vol.Schema(fields), shown)
        if user_input is None:
            return self.async_show_form(step_id=BACKEND_ADLS, data_schema=schema)
        lake = {CONF_BACKEND: BACKEND_ADLS, **{k: v for k, v in user_input.items() if v}}
        if problems := AdlsConfig.from_mapping(lake).problems():
            return self.async_show_form(
                step_id=BACKEND_ADLS,
                data_schema=self.add_suggested_values_to_schema(
                    schema, {k: v for k, v in user_input.items() if k not in ADLS_SECRETS}
                ),
                errors=problems,
            )
        return await self._async_check_lake(BACKEND_ADLS, lake, schema)

    async def _async_check_lake(
        self, step_id: str, lake: dict[str, Any], schema: vol.Schema
    ) -> ConfigFlowResult:
        """Prove the store takes a test write, then make it the entry's identity."""
        error: str | None = None
        message = ""
        try:
            backend = build_backend(self.hass, lake)
            try:
                await backend.async_check()
            finally:
                await backend.async_close()
        except BackendError as err:
            error = "invalid_auth" if err.kind is ErrorKind.AUTH_FAILED else "store_failed"
            message = str(err)
        except Exception:  # noqa: BLE001 - a bug must not leave the user a stuck flow and a 500
            LOGGER.exception("Unexpected error testing the %s lake", step_id)
            error = UNEXPECTED
        if error is not None:
            return self.async_show_form(
                step_id=step_id,
                data_schema=self.add_suggested_values_to_schema(
                    schema, {k: v for k, v in lake.items() if k not in ADLS_SECRETS}
                ),
                errors={"base": error},
                description_placeholders={"error": message},
            )
        identity = lake_identity(self.hass, lake)
        if self.source == SOURCE_REAUTH:
            await self.async_set_unique_id(identity)
            self._abort_if_unique_id_mismatch(reason="wrong_lake")
        elif identity != self.unique_id:
            await self.async_set_unique_id(identity)
            self._abort_if_unique_id_configured()
        self._data[CONF_LAKE] = lake
        return await self._async_next()

    # The sources. Each step shows its form, or runs at once when it has nothing to ask.

    async def async_step_fronius(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a Fronius inverter on the local network (a discovered one is tested already)."""
        if user_input is None and self._discovered is not None:
            conf, identity = self._discovered
            return await self._async_store_source(FRONIUS, dict(conf), identity)
        return await self._async_source_step(FRONIUS, user_input)

    async def async_step_solaredge(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a SolarEdge site through the Monitoring API."""
        return await self._async_source_step(SOLAREDGE, user_input)

    async def async_step_emoncms(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a heat pump monitored by emoncms (emonHP), local or emoncms.org."""
        return await self._async_source_step(EMONCMS, user_input)

    async def async_step_openmeteo(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Open-Meteo: no key, tested at once."""
        return await self._async_source_step(OPENMETEO, user_input)

    async def async_step_owm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """OpenWeatherMap with a One Call 3.0 key."""
        return await self._async_source_step(OWM, user_input)

    async def async_step_metno(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """MET Norway: no key, tested at once."""
        return await self._async_source_step(METNO, user_input)

    async def async_step_myuplink(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a myUplink heat pump: log in through the application credentials."""
        schema = self._source_schema(MYUPLINK)
        if user_input is None and schema.schema:
            return self.async_show_form(step_id=MYUPLINK, data_schema=schema)
        if user_input is None:
            previous = self._previous.get(MYUPLINK, {})
            user_input = {k: v for k, v in previous.items() if k == CONF_BASE_URL}
        self._data[CONF_SOURCES][MYUPLINK] = {k: v for k, v in user_input.items() if v != ""}
        return await self.async_step_pick_implementation()

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Find the heat pump with the new token, then go on."""
        token = str(data["token"]["access_token"])

        async def access_token() -> str:
            return token

        conf = self._data[CONF_SOURCES].pop(MYUPLINK)
        found = await self._async_identify(MYUPLINK, conf, access_token)
        if isinstance(found, str):
            return self.async_abort(reason=found)
        self._data.update(data)
        return await self._async_store_source(MYUPLINK, conf, found)

    def _source_schema(self, vendor: str) -> vol.Schema:
        """Return the fields a source asks for, with the values it had (never its secret)."""
        previous = self._previous.get(vendor, {})
        fields: dict[vol.Marker, Any] = {}
        if vendor == FRONIUS:
            fields[vol.Required(CONF_HOST, default=previous.get(CONF_HOST, ""))] = str
        elif vendor == SOLAREDGE:
            fields[vol.Required(CONF_SITE_ID, default=previous.get(CONF_SITE_ID, ""))] = str
        elif vendor == EMONCMS:
            default = previous.get(CONF_URL, "https://emoncms.org")
            fields[vol.Required(CONF_URL, default=default)] = URL
        if SOURCES[vendor].secret:
            fields[vol.Required(CONF_API_KEY)] = PASSWORD
        if SOURCES[vendor].cloud and self._custom_api_urls:
            # Asked for in the first form's collapsed section: the simulator, API mirrors.
            fields[vol.Optional(CONF_BASE_URL, default=previous.get(CONF_BASE_URL, ""))] = URL
        return vol.Schema(fields)

    async def _async_source_step(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        schema = self._source_schema(vendor)
        if user_input is None:
            if schema.schema:
                return self.async_show_form(step_id=vendor, data_schema=schema)
            user_input = {}
        conf = {k: v for k, v in user_input.items() if v != ""}
        found = await self._async_identify(vendor, conf, None)
        if isinstance(found, str):
            shown = {k: v for k, v in conf.items() if k != SOURCES[vendor].secret}
            return self.async_show_form(
                step_id=vendor,
                data_schema=self.add_suggested_values_to_schema(schema, shown),
                errors={"base": found},
            )
        return await self._async_store_source(vendor, conf, found)

    async def _async_identify(
        self, vendor: str, conf: Mapping[str, Any], token: Any
    ) -> DeviceIdentity | str:
        """Talk to the source once: who it is, or the form error saying why not."""
        version = await async_integration_version(self.hass)
        try:
            client = build_client(
                vendor,
                conf,
                session=async_get_clientsession(self.hass),
                budgets=budgets(self.hass),
                latitude=self._data[CONF_LATITUDE],
                longitude=self._data[CONF_LONGITUDE],
                user_agent=user_agent(version),
                token=token,
            )
            return await client.async_identify()
        except SourceError as err:
            LOGGER.debug("Testing %s failed: %s", vendor, err)
            return next(key for cls, key in SOURCE_ERRORS if isinstance(err, cls))
        except Exception:  # noqa: BLE001 - a bug must not leave the user a stuck flow and a 500
            LOGGER.exception("Unexpected error testing %s", vendor)
            return UNEXPECTED

    async def _async_store_source(
        self, vendor: str, conf: dict[str, Any], identity: DeviceIdentity
    ) -> ConfigFlowResult:
        """Keep a tested source, unless it is someone else's or the wrong one."""
        previous = self._previous.get(vendor)
        if (
            self.source == SOURCE_REAUTH
            and previous is not None
            and previous[CONF_DEVICE_ID] != identity.unique_id
        ):
            return self.async_abort(reason="wrong_device")
        for entry in self._async_current_entries(include_ignore=False):
            if entry.entry_id == self.context.get("entry_id"):
                continue
            other = entry.data.get(CONF_SOURCES, {}).get(vendor, {})
            if other.get(CONF_DEVICE_ID) == identity.unique_id:
                return self.async_abort(reason="source_already_configured")
        self._data[CONF_SOURCES][vendor] = {
            **conf,
            CONF_DEVICE_ID: identity.unique_id,
            CONF_IDENTITY: {
                "manufacturer": identity.manufacturer,
                "model": identity.model,
                "name": identity.name,
                "sw_version": identity.sw_version,
            },
        }
        return await self._async_next()

    # Reauthentication: pick the source whose key or login failed, enter it again.

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start renewing a key, a login or the store's credential that was refused."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which credential to renew, among those the entry has."""
        entry = self._get_reauth_entry()
        self._data = copy.deepcopy(dict(entry.data))
        self._previous = copy.deepcopy(self._data[CONF_SOURCES])
        await self.async_set_unique_id(entry.unique_id)
        choices = [v for v in self._previous if SOURCES[v].has_credentials]
        if self._data[CONF_LAKE][CONF_BACKEND] == BACKEND_ADLS:
            choices.append(BACKEND_ADLS)
        if not choices:
            return self.async_abort(reason="nothing_to_renew")
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm",
                data_schema=vol.Schema(
                    {vol.Required(CHOICE_SOURCE, default=choices[0]): vol.In(choices)}
                ),
            )
        self._queue = [user_input[CHOICE_SOURCE]]
        self._data[CONF_SOURCES].pop(user_input[CHOICE_SOURCE], None)
        return await self._async_next()


class HomeEnergyLakeOptionsFlow(OptionsFlow):
    """Poll intervals per source, inside each API's terms, and the spool's size cap.

    Changed options reload the entry from here: HA 2026.12 refuses an update listener
    beside the reauth and reconfigure flows' own reload, and a token refresh, which also
    updates the entry, must not reload it. (``OptionsFlowWithReload`` does the same from
    HA 2025.8; the oldest version we support predates it.)
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form: an interval per configured source, and the store settings."""
        if user_input is not None:
            entry = self.config_entry
            if self.hass.config_entries.async_update_entry(entry, options=user_input):
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        fields: dict[vol.Marker, Any] = {}
        for vendor in self.config_entry.data[CONF_SOURCES]:
            spec = SOURCES[vendor]
            key = interval_option(vendor)
            default = options.get(key, int(spec.default_interval.total_seconds()))
            fields[vol.Required(key, default=default)] = vol.All(
                vol.Coerce(int),
                vol.Range(min=int(spec.min_interval.total_seconds()), max=86400),
            )
        spool = options.get(OPT_SPOOL_MAX_MB, DEFAULT_SPOOL_MAX_MB)
        fields[vol.Required(OPT_SPOOL_MAX_MB, default=spool)] = vol.All(
            vol.Coerce(int), vol.Range(min=16, max=1_000_000)
        )
        age = options.get(OPT_SEGMENT_MAX_AGE_MIN, DEFAULT_SEGMENT_MAX_AGE_MIN)
        fields[vol.Required(OPT_SEGMENT_MAX_AGE_MIN, default=age)] = vol.All(
            vol.Coerce(int), vol.Range(min=1, max=24 * 60)
        )
        return self.async_show_form(step_id="init", data_schema=vol.Schema(fields))
