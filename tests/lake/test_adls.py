"""The ADLS Gen2 backend through the real Azure SDK against the loopback DFS server."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import hashlib
import logging
import time
from urllib.parse import unquote

import aiohttp
from azure.storage.filedatalake import generate_account_sas, generate_file_system_sas
import pytest

from custom_components.home_energy_lake.lake import adls
from custom_components.home_energy_lake.lake.adls import (
    AccountKey,
    AdlsBackend,
    AdlsCredential,
    SasToken,
)
from custom_components.home_energy_lake.lake.backend import BackendError, ErrorKind

from .fake_adls import ACCOUNT, ACCOUNT_KEY, FakeAdls, Fault

SEGMENT = "solar/raw/2026/11/25/fronius-1_powerflow_20261125T100000Z.jsonl.gz"
WRONG_KEY = base64.b64encode(b"not the account key, but valid base64").decode()


def make_backend(
    server: FakeAdls,
    credential: AdlsCredential | None = None,
    **options: object,
) -> AdlsBackend:
    """A backend on the fake server with instant SDK retries and short timeouts."""
    settings: dict[str, object] = {
        "retry_total": 2,
        "retry_initial_backoff": 0,
        "retry_increment_base": 0,
        "retry_jitter": 0,
        "connection_timeout": 2,
        "read_timeout": 1,
    }
    settings.update(options)
    return AdlsBackend(
        account_name=ACCOUNT,
        filesystem="bronze",
        credential=credential or AccountKey(ACCOUNT_KEY),
        endpoint=server.account_url,
        **settings,  # type: ignore[arg-type]
    )


def filesystem_sas(permission: str, expiry: timedelta = timedelta(hours=1)) -> str:
    return generate_file_system_sas(
        ACCOUNT, "bronze", ACCOUNT_KEY, permission=permission, expiry=datetime.now(UTC) + expiry
    )


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[FakeAdls]:
    async with FakeAdls() as fake:
        yield fake


@pytest.fixture
async def backend(server: FakeAdls) -> AsyncIterator[AdlsBackend]:
    lake = make_backend(server)
    yield lake
    await lake.async_close()


def payload(size: int = 5000, seed: int = 1) -> bytes:
    """Deterministic incompressible-ish bytes, like a gzip segment."""
    out = bytearray()
    block = seed.to_bytes(4, "big")
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out.extend(block)
    return bytes(out[:size])


def visible_files(server: FakeAdls) -> dict[str, bytes]:
    """What a reader of the lake sees: everything but in-flight temporary uploads."""
    return {
        path: data for path, data in server.files().items() if not path.startswith("_incoming/")
    }


# -- writing and reading back --------------------------------------------------------


async def test_put_stores_bytes_once_and_reads_back(server: FakeAdls, backend: AdlsBackend) -> None:
    data = payload()
    await backend.async_put(SEGMENT, data)

    assert server.files() == {SEGMENT: data}
    entry = server.filesystems["bronze"][SEGMENT]
    assert entry.content_md5 == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert entry.content_type == "application/gzip"
    assert await backend.async_size(SEGMENT) == len(data)
    assert await backend.async_read(SEGMENT) == data
    assert await backend.async_list() == {SEGMENT: len(data)}
    assert await backend.async_list("solar/raw/2026") == {SEGMENT: len(data)}
    # Appends carried a Content-MD5 the server checked, and the file appeared by rename.
    assert [seen.operation for seen in server.log] == [
        "create_file",
        "append",
        "flush",
        "rename",
        "create_directory",
        "rename",
        "properties",
        "read",
        "list",
        "list",
    ]


async def test_second_put_of_same_path_only_needs_one_rename(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    await backend.async_put("solar/raw/2026/11/25/a.jsonl.gz", b"first")
    server.log.clear()
    await backend.async_put("solar/raw/2026/11/25/b.jsonl.gz", b"second")
    assert [seen.operation for seen in server.log] == ["create_file", "append", "flush", "rename"]


async def test_large_segment_goes_in_several_appends(
    server: FakeAdls, backend: AdlsBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adls, "_APPEND_CHUNK", 1000)
    data = payload(4500)
    await backend.async_put(SEGMENT, data)
    assert server.file_bytes("bronze", SEGMENT) == data
    assert len(server.operations("append")) == 5
    assert await backend.async_read(SEGMENT) == data


async def test_empty_segment_is_stored_as_an_empty_file(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    await backend.async_put(SEGMENT, b"")
    assert server.files() == {SEGMENT: b""}
    assert await backend.async_size(SEGMENT) == 0
    assert await backend.async_read(SEGMENT) == b""


async def test_path_prefix_and_unusual_characters(server: FakeAdls) -> None:
    lake = make_backend(server, path_prefix="/home lake/bronze+v1/")
    try:
        path = "weather/raw/2026/11/25/api=metno/60.1_10.7 é&=;,'%_compact_x.jsonl.gz"
        await lake.async_put(path, b"{}")
        assert server.files() == {f"home lake/bronze+v1/{path}": b"{}"}
        assert await lake.async_list() == {path: 2}
        assert await lake.async_read(path) == b"{}"
        assert lake.description.endswith("/bronze/home lake/bronze+v1")
    finally:
        await lake.async_close()


async def test_listing_pages_through_continuations(server: FakeAdls, backend: AdlsBackend) -> None:
    names = [f"heatpump/raw/2026/11/25/dev_{index:03d}.jsonl.gz" for index in range(12)]
    for name in names:
        await backend.async_put(name, name.encode())
    server.log.clear()
    listed = await backend.async_list("heatpump")
    assert listed == {name: len(name) for name in names}
    assert await backend.async_list("nothing/here") == {}


async def test_size_of_missing_path_is_none(backend: AdlsBackend) -> None:
    assert await backend.async_size(SEGMENT) is None


@pytest.mark.parametrize(
    "path", ["../escape.jsonl", "/absolute.jsonl", "a//b.jsonl", "a/./b", "a\\b", "nul\0byte"]
)
async def test_unsafe_paths_are_refused(server: FakeAdls, backend: AdlsBackend, path: str) -> None:
    with pytest.raises(BackendError) as caught:
        await backend.async_put(path, b"x")
    assert not caught.value.retryable
    assert server.log == []


# -- idempotency ---------------------------------------------------------------------


async def test_put_twice_keeps_one_copy(server: FakeAdls, backend: AdlsBackend) -> None:
    data = payload()
    await backend.async_put(SEGMENT, data)
    await backend.async_put(SEGMENT, data)
    assert server.files() == {SEGMENT: data}


async def test_put_of_different_bytes_at_existing_path_fails_and_keeps_the_original(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    await backend.async_put(SEGMENT, payload(seed=1))
    for other in (payload(seed=2), payload(4000, seed=1)):
        with pytest.raises(BackendError, match="different content") as caught:
            await backend.async_put(SEGMENT, other)
        assert not caught.value.retryable
        assert caught.value.kind is ErrorKind.CONFLICT
    assert server.files() == {SEGMENT: payload(seed=1)}


async def test_existing_file_without_checksum_is_compared_byte_for_byte(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    await backend.async_put(SEGMENT, b"same bytes")
    server.filesystems["bronze"][SEGMENT].content_md5 = None
    await backend.async_put(SEGMENT, b"same bytes")
    with pytest.raises(BackendError, match="different content"):
        await backend.async_put(SEGMENT, b"SAME BYTES")
    assert server.files() == {SEGMENT: b"same bytes"}


async def test_failure_mid_flush_leaves_nothing_visible_and_retry_succeeds(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    fault = server.inject(Fault("status", operation="flush", times=3))
    with pytest.raises(BackendError) as caught:
        await backend.async_put(SEGMENT, payload())
    assert caught.value.retryable
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert "503" in str(caught.value)
    assert fault.hits == 3  # the first try and both SDK retries
    assert await backend.async_size(SEGMENT) is None
    assert server.files() == {}  # the temporary upload was cleaned up

    await backend.async_put(SEGMENT, payload())
    assert server.files() == {SEGMENT: payload()}


async def test_lost_rename_answer_counts_as_success(server: FakeAdls, backend: AdlsBackend) -> None:
    await backend.async_put("solar/raw/2026/11/25/first.jsonl.gz", b"makes the folder")
    server.inject(Fault("lost_response", operation="rename"))
    await backend.async_put(SEGMENT, payload())
    renames = server.operations("rename")
    # First file: into a missing folder, then again; then the unanswered rename and its retry.
    assert [seen.status for seen in renames] == [404, 201, 201, 404]
    assert visible_files(server)[SEGMENT] == payload()
    assert server.files() == visible_files(server)


async def test_lost_flush_answer_is_retried_harmlessly(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    server.inject(Fault("lost_response", operation="flush"))
    await backend.async_put(SEGMENT, payload())
    assert len(server.operations("flush")) == 2
    assert server.files() == {SEGMENT: payload()}


async def test_crash_after_upload_before_acknowledgement_then_retry(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    """Every request of the first attempt succeeds, but no answer reaches the writer."""
    # The first rename finds no folder; the second moves the file, and no answer arrives.
    server.inject(Fault("lost_response", operation="rename", times=99, skip=1))
    with pytest.raises(BackendError) as caught:
        await backend.async_put(SEGMENT, payload())
    assert caught.value.retryable
    assert visible_files(server) == {SEGMENT: payload()}
    server.faults.clear()
    await backend.async_put(SEGMENT, payload())
    assert visible_files(server) == {SEGMENT: payload()}


# -- faults --------------------------------------------------------------------------


async def test_sdk_retries_through_a_few_busy_answers(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    fault = server.inject(Fault("status", operation="append", times=2))
    await backend.async_put(SEGMENT, payload())
    assert fault.hits == 2
    assert server.files() == {SEGMENT: payload()}


@pytest.mark.parametrize(("status", "code"), [(500, "InternalError"), (503, "ServerBusy")])
async def test_persistent_server_errors_are_retryable(
    server: FakeAdls, backend: AdlsBackend, status: int, code: str
) -> None:
    server.inject(Fault("status", operation="create_file", times=99, status=status, code=code))
    with pytest.raises(BackendError, match=code) as caught:
        await backend.async_put(SEGMENT, payload())
    assert caught.value.retryable
    assert len(server.operations("create_file")) == 3


async def test_connection_resets_are_retried(server: FakeAdls, backend: AdlsBackend) -> None:
    server.inject(Fault("reset", operation="append"))
    server.inject(Fault("reset", operation="create_file"))
    await backend.async_put(SEGMENT, payload())
    assert server.files() == {SEGMENT: payload()}


async def test_endless_connection_resets_are_retryable(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    server.inject(Fault("reset", times=99))
    with pytest.raises(BackendError) as caught:
        await backend.async_put(SEGMENT, payload())
    assert caught.value.retryable


async def test_slow_answers_still_succeed(server: FakeAdls, backend: AdlsBackend) -> None:
    server.inject(Fault("delay", times=99, delay=0.2))
    await backend.async_put(SEGMENT, payload())
    assert server.files() == {SEGMENT: payload()}


async def test_a_hung_server_times_out_as_retryable(server: FakeAdls) -> None:
    lake = make_backend(server, read_timeout=0.3, retry_total=1)
    try:
        server.inject(Fault("delay", operation="flush", times=99, delay=30))
        started = time.monotonic()
        with pytest.raises(BackendError) as caught:
            await lake.async_put(SEGMENT, payload())
        assert caught.value.retryable
        assert time.monotonic() - started < 10
        assert await lake.async_size(SEGMENT) is None
    finally:
        await lake.async_close()


async def test_operation_timeout_bounds_a_put(server: FakeAdls) -> None:
    lake = make_backend(server, read_timeout=30, operation_timeout=0.5)
    try:
        server.inject(Fault("delay", operation="append", delay=30))
        with pytest.raises(BackendError, match="took longer") as caught:
            await lake.async_put(SEGMENT, payload())
        assert caught.value.retryable
    finally:
        await lake.async_close()


async def test_unreachable_store_is_retryable(server: FakeAdls) -> None:
    lake = make_backend(server)
    await server.close()
    try:
        with pytest.raises(BackendError) as caught:
            await lake.async_put(SEGMENT, payload())
        assert caught.value.retryable
    finally:
        await lake.async_close()


async def test_injected_403_is_not_retried(server: FakeAdls, backend: AdlsBackend) -> None:
    server.inject(Fault("status", status=403, code="AuthenticationFailed", times=99))
    with pytest.raises(BackendError, match="the key or SAS was refused") as caught:
        await backend.async_put(SEGMENT, payload())
    assert not caught.value.retryable
    assert len(server.log) == 1


# -- authentication ------------------------------------------------------------------


async def test_wrong_key_is_refused_without_retries(
    server: FakeAdls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    lake = make_backend(server, credential=AccountKey(WRONG_KEY))
    try:
        with pytest.raises(BackendError, match="the key or SAS was refused") as caught:
            await lake.async_put(SEGMENT, payload())
    finally:
        await lake.async_close()
    assert not caught.value.retryable
    assert caught.value.kind is ErrorKind.AUTH_FAILED
    assert "AuthenticationFailed" in str(caught.value)
    assert [seen.status for seen in server.log] == [403]
    assert WRONG_KEY not in str(caught.value)
    assert WRONG_KEY not in caplog.text
    assert server.files() == {}


async def test_wrong_account_name_is_refused(server: FakeAdls) -> None:
    lake = AdlsBackend(
        account_name="otheraccount",
        filesystem="bronze",
        credential=AccountKey(ACCOUNT_KEY),
        endpoint=server.account_url.replace(ACCOUNT, "otheraccount"),
        retry_total=0,
    )
    try:
        with pytest.raises(BackendError, match="refused the credentials") as caught:
            await lake.async_put(SEGMENT, b"x")
        assert not caught.value.retryable
    finally:
        await lake.async_close()


async def test_filesystem_sas_can_upload(
    server: FakeAdls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = filesystem_sas("racwdlm")
    lake = make_backend(server, credential=SasToken("?" + token))
    try:
        await lake.async_put(SEGMENT, payload())
        await lake.async_put(SEGMENT, payload())
        assert await lake.async_read(SEGMENT) == payload()
        await lake.async_check()
    finally:
        await lake.async_close()
    assert visible_files(server) == {SEGMENT: payload()}
    assert "Request URL" in caplog.text  # the SDK logged every request...
    signature = token.split("sig=")[1]
    assert signature not in caplog.text  # ...without the signature, in either spelling
    assert unquote(signature) not in caplog.text


async def test_account_sas_can_upload(server: FakeAdls) -> None:
    token = generate_account_sas(
        ACCOUNT,
        ACCOUNT_KEY,
        resource_types="sco",
        permission="racwdl",
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    lake = make_backend(server, credential=SasToken(token))
    try:
        await lake.async_put(SEGMENT, payload())
    finally:
        await lake.async_close()
    assert server.files() == {SEGMENT: payload()}


async def test_sas_signed_with_wrong_key_is_refused(
    server: FakeAdls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = generate_file_system_sas(
        ACCOUNT,
        "bronze",
        WRONG_KEY,
        permission="racwdlm",
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    lake = make_backend(server, credential=SasToken(token))
    try:
        with pytest.raises(BackendError, match="the key or SAS was refused") as caught:
            await lake.async_put(SEGMENT, payload())
    finally:
        await lake.async_close()
    assert not caught.value.retryable
    signature = token.split("sig=")[1]
    for spelling in (signature, unquote(signature)):
        assert spelling not in str(caught.value)
        assert spelling not in caplog.text


async def test_expired_sas_is_refused(server: FakeAdls) -> None:
    lake = make_backend(server, credential=SasToken(filesystem_sas("racwdlm", timedelta(-1))))
    try:
        with pytest.raises(BackendError, match="SAS token and its expiry") as caught:
            await lake.async_put(SEGMENT, payload())
    finally:
        await lake.async_close()
    assert not caught.value.retryable


async def test_read_only_sas_gets_a_permission_error(server: FakeAdls) -> None:
    lake = make_backend(server, credential=SasToken(filesystem_sas("rl")))
    try:
        with pytest.raises(BackendError, match="lack permission") as caught:
            await lake.async_put(SEGMENT, payload())
        assert not caught.value.retryable
        assert caught.value.kind is ErrorKind.PERMISSION_DENIED
        with pytest.raises(BackendError, match="lack permission"):
            await lake.async_check()
    finally:
        await lake.async_close()
    assert server.files() == {}


async def test_sas_without_move_permission_cannot_publish(server: FakeAdls) -> None:
    lake = make_backend(server, credential=SasToken(filesystem_sas("racwdl")))
    try:
        with pytest.raises(BackendError, match="AuthorizationPermissionMismatch"):
            await lake.async_put(SEGMENT, payload())
    finally:
        await lake.async_close()
    assert server.files() == {}  # the temporary upload was removed again


# -- async_check ---------------------------------------------------------------------


async def test_check_writes_reads_and_removes_a_probe(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    await backend.async_check()
    operations = [seen.operation for seen in server.log]
    assert {"create_file", "append", "flush", "rename", "properties", "delete"} <= set(operations)
    assert server.files() == {}


async def test_check_reports_a_missing_filesystem(server: FakeAdls) -> None:
    lake = AdlsBackend(
        account_name=ACCOUNT,
        filesystem="nolake",
        credential=AccountKey(ACCOUNT_KEY),
        endpoint=server.account_url,
        retry_total=0,
    )
    try:
        with pytest.raises(BackendError, match="'nolake' does not exist") as caught:
            await lake.async_check()
        assert not caught.value.retryable
        assert caught.value.kind is ErrorKind.MISSING_FOLDER
    finally:
        await lake.async_close()
    assert "nolake" not in server.filesystems


async def test_check_with_wrong_key(server: FakeAdls) -> None:
    lake = make_backend(server, credential=AccountKey(WRONG_KEY))
    try:
        with pytest.raises(BackendError, match="the key or SAS was refused") as caught:
            await lake.async_check()
        assert not caught.value.retryable
    finally:
        await lake.async_close()


async def test_shared_session_is_used_and_left_open(server: FakeAdls) -> None:
    """The integration passes Home Assistant's session; closing the backend keeps it."""
    async with aiohttp.ClientSession() as session:
        lake = make_backend(server, session=session)
        await lake.async_put(SEGMENT, payload())
        await lake.async_close()
        assert not session.closed
        assert session.connector is not None
        # The same session still works for others after the backend is gone.
        async with session.get(f"{server.account_url}/bronze?restype=container") as answer:
            assert answer.status == 401  # reached the server; no credentials sent
    assert server.files() == {SEGMENT: payload()}


async def test_key_that_is_not_base64_fails_before_any_request(server: FakeAdls) -> None:
    lake = make_backend(server, credential=AccountKey("not base64!"))
    try:
        with pytest.raises(BackendError, match="the key or SAS was refused") as caught:
            await lake.async_put(SEGMENT, b"x")
    finally:
        await lake.async_close()
    assert caught.value.kind is ErrorKind.AUTH_FAILED
    assert server.log == []


async def test_vanished_temporary_upload_is_retryable(
    server: FakeAdls, backend: AdlsBackend
) -> None:
    server.inject(Fault("status", operation="rename", status=404, code="SourcePathNotFound"))
    with pytest.raises(BackendError, match="vanished") as caught:
        await backend.async_put(SEGMENT, payload())
    assert caught.value.retryable
    assert visible_files(server) == {}
    await backend.async_put(SEGMENT, payload())
    assert server.files() == {SEGMENT: payload()}
