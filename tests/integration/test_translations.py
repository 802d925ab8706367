"""Every key the integration shows has English text (hassfest does not check custom ones)."""

from __future__ import annotations

import json
from pathlib import Path
import re

from custom_components.home_energy_lake import config_flow, repairs, sensor
from custom_components.home_energy_lake.sensor import (
    LAKE_SENSORS,
    LAST_FETCH,
    QUOTA_LEFT,
    SENSORS_BY_KIND,
    SPOOL_STATES,
)
from custom_components.home_energy_lake.sources import SOURCES

INTEGRATION = Path(config_flow.__file__).parent
EN = json.loads((INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8"))
ICONS = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
ADLS_PROBLEMS = {
    "invalid_account_name",
    "invalid_filesystem",
    "invalid_path_prefix",
    "invalid_endpoint",
    "invalid_account_key",
    "invalid_sas",
    "sas_expired",
    "sas_missing_permissions",
    "missing_service_principal",
}


def _source(module: object) -> str:
    return Path(module.__file__).read_text(encoding="utf-8")  # type: ignore[attr-defined]


def test_every_flow_step_error_and_abort_has_text() -> None:
    flow = _source(config_flow)
    steps = EN["config"]["step"]
    for step in ("user", "reconfigure", "local", "adls", "reauth_confirm", *SOURCES):
        assert "title" in steps[step], step
    errors = {key for _cls, key in config_flow.SOURCE_ERRORS}
    errors |= {"store_failed", "invalid_auth", config_flow.UNEXPECTED, config_flow.NO_SOURCE}
    errors |= ADLS_PROBLEMS
    assert errors <= set(EN["config"]["error"])
    aborts = set(re.findall(r'reason="(\w+)"', flow))
    # After the OAuth login, a failed test aborts with its error's key.
    aborts |= {key for _cls, key in config_flow.SOURCE_ERRORS} | {config_flow.UNEXPECTED}
    aborts |= {"already_configured", "reauth_successful", "reconfigure_successful"}
    assert aborts <= set(EN["config"]["abort"])
    for vendor in SOURCES:
        assert f"interval_{vendor}" in EN["options"]["step"]["init"]["data"]


def test_every_entity_and_exception_has_text_and_icons_match() -> None:
    sensors = EN["entity"]["sensor"]
    keys = {d.translation_key for kind in SENSORS_BY_KIND.values() for d in kind}
    keys |= {d.translation_key for d in LAKE_SENSORS}
    keys |= {LAST_FETCH.translation_key, QUOTA_LEFT.translation_key}
    keys |= set(re.findall(r'_attr_translation_key = "(\w+)"', _source(sensor)))
    assert keys == set(sensors)
    assert set(sensors["spool_state"]["state"]) == set(SPOOL_STATES)
    assert set(ICONS["entity"]["sensor"]) <= keys
    code = _source(config_flow) + "".join(
        (INTEGRATION / name).read_text(encoding="utf-8")
        for name in ("__init__.py", "coordinator.py")
    )
    raised = set(re.findall(r'translation_key="(\w+)"', code))
    assert raised <= set(EN["exceptions"])
    issues = {
        repairs.ISSUE_STORE_UNREACHABLE,
        repairs.ISSUE_SPOOL_FULL,
        repairs.ISSUE_SPOOL_UNWRITABLE,
    }
    assert issues == set(EN["issues"])
