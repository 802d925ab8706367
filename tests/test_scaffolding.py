"""HACS and hassfest rules that no tool checks for a custom integration, checked here.

The schemas mirror the validators they come from: HACS's ``HACS_MANIFEST_JSON_SCHEMA``
and ``INTEGRATION_MANIFEST_JSON_SCHEMA`` (``custom_components/hacs/utils/validate.py``),
and hassfest's ``manifest.py`` and ``quality_scale.py`` (``ALL_RULES`` and ``SCHEMA``).
"""

from __future__ import annotations

import json
from pathlib import Path
import struct
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import pytest
import voluptuous as vol
import yaml

ROOT = Path(__file__).parents[1]
INTEGRATION = ROOT / "custom_components" / "home_energy_lake"

# hassfest ALL_RULES, by tier.
QUALITY_SCALE_RULES = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
        "config-flow-test-coverage", "dependency-transparency", "docs-actions",
        "docs-conditions", "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "docs-triggers", "entity-event-setup", "entity-unique-id",
        "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
        "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}  # fmt: skip
ALL_RULES = [rule for rules in QUALITY_SCALE_RULES.values() for rule in rules]

QUALITY_SCALE_SCHEMA = vol.Schema(
    {
        vol.Required("rules"): vol.Schema(
            {
                vol.Optional(rule): vol.Any(
                    vol.In(["todo", "done"]),
                    vol.Schema(
                        {
                            vol.Required("status"): vol.In(["todo", "done"]),
                            vol.Optional("comment"): str,
                        }
                    ),
                    vol.Schema({vol.Required("status"): "exempt", vol.Required("comment"): str}),
                )
                for rule in ALL_RULES
            }
        )
    }
)

HACS_JSON_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any([str], str),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)

IOT_CLASSES = [
    "assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling", "local_push",
]  # fmt: skip
INTEGRATION_TYPES = ["device", "entity", "hardware", "helper", "hub", "service", "system"]


def _https_not_core_docs(url: str) -> str:
    if not url.startswith("https://"):
        raise vol.Invalid("must be an https URL")
    if url.startswith("https://www.home-assistant.io/integrations"):
        raise vol.Invalid("a custom integration documents itself elsewhere")
    return url


def _version(value: str) -> str:
    strategies = {
        AwesomeVersionStrategy.CALVER,
        AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.SIMPLEVER,
        AwesomeVersionStrategy.BUILDVER,
        AwesomeVersionStrategy.PEP440,
    }
    if AwesomeVersion(value).strategy not in strategies:
        raise vol.Invalid(f"{value!r} is not a version hassfest accepts")
    return value


MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): "home_energy_lake",
        vol.Required("name"): str,
        vol.Required("codeowners"): [vol.Match(r"^@.+$")],
        vol.Required("config_flow"): True,
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        # As hassfest: a MAC prefix in upper-case hex with * wildcards, a lower-case hostname.
        vol.Optional("dhcp"): [
            vol.Schema(
                {
                    vol.Optional("macaddress"): vol.Match(r"^[0-9A-F*]+$"),
                    vol.Optional("hostname"): vol.All(
                        str, lambda v: v == v.lower() or vol.Invalid(v)
                    ),
                    vol.Optional("registered_devices"): bool,
                },
                extra=vol.PREVENT_EXTRA,
            )
        ],
        vol.Required("documentation"): vol.All(str, _https_not_core_docs),
        vol.Required("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Required("iot_class"): vol.In(IOT_CLASSES),
        vol.Required("issue_tracker"): vol.All(str, _https_not_core_docs),
        vol.Required("loggers"): [str],
        vol.Required("requirements"): [str],
        vol.Required("version"): vol.All(str, _version),
        vol.Optional("single_config_entry"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_matches_schema() -> None:
    MANIFEST_SCHEMA(_load_json(INTEGRATION / "manifest.json"))


def test_manifest_keys_sorted_domain_name_then_alphabetical() -> None:
    keys = list(_load_json(INTEGRATION / "manifest.json"))
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_schema_rejects_what_hassfest_rejects() -> None:
    manifest = _load_json(INTEGRATION / "manifest.json")
    for broken in (
        {**manifest, "documentation": "https://www.home-assistant.io/integrations/x"},
        {**manifest, "iot_class": "sometimes_polling"},
        {**manifest, "icon": "mdi:lake"},
        {**manifest, "dhcp": [{"macaddress": "0003ac*"}]},
        {k: v for k, v in manifest.items() if k != "version"},
    ):
        with pytest.raises(vol.Invalid):
            MANIFEST_SCHEMA(broken)


def test_hacs_json_has_only_keys_hacs_accepts() -> None:
    hacs = HACS_JSON_SCHEMA(_load_json(ROOT / "hacs.json"))
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion("2025.4.4")
    with pytest.raises(vol.Invalid):
        HACS_JSON_SCHEMA({**hacs, "iot_class": "local_polling"})


def test_quality_scale_lists_every_rule_and_no_other() -> None:
    quality_scale = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())
    QUALITY_SCALE_SCHEMA(quality_scale)
    assert sorted(quality_scale["rules"]) == sorted(ALL_RULES)


def test_quality_scale_schema_rejects_bad_files() -> None:
    with pytest.raises(vol.Invalid):
        QUALITY_SCALE_SCHEMA({"rules": {"not-a-rule": "done"}})
    with pytest.raises(vol.Invalid):
        QUALITY_SCALE_SCHEMA({"rules": {"discovery": "exempt"}})  # exempt needs a comment


def test_translations_not_strings_json() -> None:
    assert not (INTEGRATION / "strings.json").exists()
    translations = _load_json(INTEGRATION / "translations" / "en.json")
    assert "config" in translations


def test_brand_icon_is_a_256_px_square_png() -> None:
    data = (INTEGRATION / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (256, 256)
