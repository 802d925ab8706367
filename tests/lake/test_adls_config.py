"""AdlsConfig: what the integration stores, checked before anything goes over the network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from azure.storage.filedatalake import generate_account_sas, generate_file_system_sas
import pytest

from custom_components.home_energy_lake.lake.adls import (
    AccountKey,
    AdlsAuth,
    AdlsBackend,
    AdlsConfig,
    SasToken,
    ServicePrincipal,
)
from custom_components.home_energy_lake.lake.backend import BackendError, ErrorKind

from .fake_adls import ACCOUNT_KEY

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def sas(permission: str = "racwdlm", expiry: datetime = NOW + timedelta(days=30)) -> str:
    return generate_file_system_sas("homelake", "bronze", ACCOUNT_KEY, permission, expiry)


def key_config(**changes: object) -> AdlsConfig:
    data: dict[str, object] = {
        "account_name": "homelake",
        "filesystem": "bronze",
        "auth": "account_key",
        "account_key": ACCOUNT_KEY,
    }
    data.update(changes)
    return AdlsConfig.from_mapping(data)


def test_account_key_settings_are_usable_and_secret_free_in_repr() -> None:
    config = key_config(path_prefix=" /house/lake/ ", unknown_key="ignored")
    assert config.problems(NOW) == {}
    assert config.account_url == "https://homelake.dfs.core.windows.net"
    assert config.credential() == AccountKey(ACCOUNT_KEY)
    assert ACCOUNT_KEY not in repr(config)
    assert ACCOUNT_KEY not in repr(config.credential())
    assert config.path_prefix == "/house/lake/"


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"account_name": "Home_Lake"}, {"account_name": "invalid_account_name"}),
        ({"account_name": "hl"}, {"account_name": "invalid_account_name"}),
        ({"filesystem": "Bronze"}, {"filesystem": "invalid_filesystem"}),
        ({"filesystem": "a--b"}, {"filesystem": "invalid_filesystem"}),
        ({"filesystem": "-bronze"}, {"filesystem": "invalid_filesystem"}),
        ({"path_prefix": "house/../../etc"}, {"path_prefix": "invalid_path_prefix"}),
        ({"path_prefix": "a//b"}, {"path_prefix": "invalid_path_prefix"}),
        ({"endpoint": "http://lake.example.com"}, {"endpoint": "invalid_endpoint"}),
        ({"endpoint": "https://x.example.com/?sig=abc"}, {"endpoint": "invalid_endpoint"}),
        ({"account_key": "not base64!"}, {"account_key": "invalid_account_key"}),
        ({"account_key": "  "}, {"account_key": "invalid_account_key"}),
    ],
)
def test_bad_settings_are_named_by_field(
    changes: dict[str, object], problems: dict[str, str]
) -> None:
    assert key_config(**changes).problems(NOW) == problems


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://homelake.dfs.core.chinacloudapi.cn",
        "https://lake.privatelink.example.org/",
        "http://127.0.0.1:10004/devstoreaccount1",
    ],
)
def test_endpoint_overrides(endpoint: str) -> None:
    config = key_config(endpoint=endpoint)
    assert config.problems(NOW) == {}
    assert config.account_url == endpoint.rstrip("/")


@pytest.mark.parametrize(
    "token",
    [
        sas(),
        "?" + sas(),
        f"https://homelake.blob.core.windows.net/bronze?{sas()}",
        generate_account_sas("homelake", ACCOUNT_KEY, "sco", "racwdl", NOW + timedelta(days=1)),
    ],
)
def test_sas_forms_that_work(token: str) -> None:
    config = AdlsConfig.from_mapping(
        {"account_name": "homelake", "filesystem": "bronze", "auth": "sas", "sas_token": token}
    )
    assert config.problems(NOW) == {}
    credential = config.credential()
    assert isinstance(credential, SasToken)
    assert not credential.token.startswith(("?", "http"))
    assert "sig=" in credential.token


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (sas(expiry=NOW - timedelta(minutes=1)), "sas_expired"),
        (sas(permission="rl"), "sas_missing_permissions"),
        (sas(permission="racwdl"), "sas_missing_permissions"),
        (
            generate_account_sas("homelake", ACCOUNT_KEY, "sc", "racwdlm", NOW + timedelta(days=1)),
            "sas_missing_permissions",
        ),
        (
            generate_account_sas("homelake", ACCOUNT_KEY, "sco", "rcwl", NOW + timedelta(days=1)),
            "sas_missing_permissions",
        ),
        ("sv=2026-10-06&sp=racwdlm", "invalid_sas"),
        ("se=tomorrow&sv=2026-10-06&sig=abc&sp=racwdlm", "invalid_sas"),
        ("", "invalid_sas"),
    ],
)
def test_sas_problems(token: str, problem: str) -> None:
    config = AdlsConfig(
        account_name="homelake", filesystem="bronze", auth=AdlsAuth.SAS, sas_token=token
    )
    assert config.problems(NOW) == {"sas_token": problem}


def test_service_principal_needs_all_three_fields() -> None:
    config = AdlsConfig(
        account_name="homelake",
        filesystem="bronze",
        auth=AdlsAuth.SERVICE_PRINCIPAL,
        tenant_id="00000000-0000-0000-0000-000000000001",
        client_id="00000000-0000-0000-0000-000000000002",
    )
    assert config.problems(NOW) == {"client_secret": "missing_service_principal"}


async def test_backend_from_service_principal_settings_opens_and_closes() -> None:
    """No token is fetched before the first request; the secret never shows."""
    config = AdlsConfig(
        account_name="homelake",
        filesystem="bronze",
        auth=AdlsAuth.SERVICE_PRINCIPAL,
        tenant_id="00000000-0000-0000-0000-000000000001",
        client_id="00000000-0000-0000-0000-000000000002",
        client_secret="very-secret-value",
        path_prefix="house",
    )
    assert isinstance(config.credential(), ServicePrincipal)
    backend = AdlsBackend.from_config(config)
    try:
        assert backend.description == "ADLS Gen2 https://homelake.dfs.core.windows.net/bronze/house"
        assert "very-secret-value" not in repr(config)
    finally:
        await backend.async_close()


def test_unusable_settings_cannot_build_a_backend() -> None:
    with pytest.raises(BackendError, match="account_key") as caught:
        AdlsBackend.from_config(key_config(account_key="nope!"))
    assert not caught.value.retryable
    assert caught.value.kind is ErrorKind.AUTH_FAILED
    with pytest.raises(BackendError, match="filesystem") as caught:
        AdlsBackend.from_config(key_config(filesystem="No_Such"))
    assert caught.value.kind is ErrorKind.OTHER
