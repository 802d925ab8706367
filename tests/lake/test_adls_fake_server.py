"""The loopback DFS server answers the Azure SDK the way the reference notes say Azure does.

Other tests (the backend's, the config flow's, the analytics sync's) trust this server; these
pin the protocol behaviours they rely on, straight through the SDK.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from azure.core import MatchConditions
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.filedatalake import generate_directory_sas
from azure.storage.filedatalake.aio import DataLakeServiceClient, FileSystemClient
import pytest

from .fake_adls import ACCOUNT, ACCOUNT_KEY, FakeAdls

WRONG_KEY = base64.b64encode(b"some other key").decode()


def client(
    server: FakeAdls, credential: str | dict[str, str] | None = None
) -> DataLakeServiceClient:
    return DataLakeServiceClient(
        server.account_url,
        credential=credential or {"account_name": ACCOUNT, "account_key": ACCOUNT_KEY},
        retry_total=0,
    )


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[FakeAdls]:
    async with FakeAdls() as fake:
        yield fake


@pytest.fixture
async def fs(server: FakeAdls) -> AsyncIterator[FileSystemClient]:
    async with client(server) as service:
        yield service.get_file_system_client("bronze")


async def test_upload_without_overwrite_never_creates(fs: FileSystemClient) -> None:
    file = fs.get_file_client("a/new.json")
    with pytest.raises(ResourceNotFoundError):
        await file.upload_data(b"{}")
    await file.upload_data(b"{}", overwrite=True)
    with pytest.raises(ResourceModifiedError):
        await file.upload_data(b"[]")
    assert await (await file.download_file()).readall() == b"{}"


async def test_create_if_missing_refuses_an_existing_path(fs: FileSystemClient) -> None:
    file = fs.get_file_client("x.json")
    await file.create_file(match_condition=MatchConditions.IfMissing)
    with pytest.raises(ResourceExistsError) as caught:
        await file.create_file(match_condition=MatchConditions.IfMissing)
    assert getattr(caught.value, "error_code", None) == "PathAlreadyExists"


async def test_flush_needs_contiguous_data(server: FakeAdls, fs: FileSystemClient) -> None:
    file = fs.get_file_client("gap.bin")
    await file.create_file()
    await file.append_data(b"world", offset=5, length=5)
    with pytest.raises(HttpResponseError) as caught:
        await file.flush_data(10)
    assert getattr(caught.value, "error_code", None) == "InvalidFlushPosition"
    await file.append_data(b"hello", offset=0, length=5)
    await file.append_data(b"world", offset=5, length=5)
    await file.flush_data(10)
    await file.flush_data(10)  # a repeated flush at the end commits nothing new
    assert server.file_bytes("bronze", "gap.bin") == b"helloworld"


async def test_download_in_ranged_chunks_and_empty_files(server: FakeAdls) -> None:
    async with DataLakeServiceClient(
        server.account_url,
        credential={"account_name": ACCOUNT, "account_key": ACCOUNT_KEY},
        max_single_get_size=1024,
        max_chunk_get_size=1024,
        retry_total=0,
    ) as service:
        fs = service.get_file_system_client("bronze")
        data = bytes(range(256)) * 20
        await fs.get_file_client("big.bin").upload_data(data, overwrite=True)
        await fs.get_file_client("empty.bin").create_file()
        assert await (await fs.get_file_client("big.bin").download_file()).readall() == data
        assert await (await fs.get_file_client("empty.bin").download_file()).readall() == b""
    reads = server.operations("read")
    assert len(reads) == 7  # five 1 KiB ranges of big.bin; empty.bin: 416, then a plain GET
    assert [seen.status for seen in reads[-2:]] == [416, 200]


async def test_listing_pages_and_directories(fs: FileSystemClient) -> None:
    for name in ("d/a.json", "d/b.json", "d/sub/c.json", "e/x.json"):
        await fs.get_file_client(name).upload_data(b"1", overwrite=True)
    listed = [(p.name, p.is_directory) async for p in fs.get_paths("d", max_results=2)]
    assert listed == [
        ("d/a.json", False),
        ("d/b.json", False),
        ("d/sub", True),
        ("d/sub/c.json", False),
    ]
    shallow = [p.name async for p in fs.get_paths("d", recursive=False)]
    assert shallow == ["d/a.json", "d/b.json", "d/sub"]
    with pytest.raises(ResourceNotFoundError):
        [p async for p in fs.get_paths("missing")]
    assert await fs.get_directory_client("d/sub").exists()
    # HEAD does not care about the path's type: a file client sees the folder too.
    assert await fs.get_file_client("d/sub").exists()
    await fs.get_directory_client("d").delete_directory()
    assert [p.name async for p in fs.get_paths()] == ["e", "e/x.json"]


async def test_rename_with_if_none_match(fs: FileSystemClient) -> None:
    await fs.get_file_client("tmp/one").upload_data(b"1", overwrite=True)
    await fs.get_file_client("tmp/two").upload_data(b"2", overwrite=True)
    with pytest.raises(ResourceNotFoundError) as caught:
        await fs.get_file_client("tmp/one").rename_file("bronze/final/one")
    assert getattr(caught.value, "error_code", None) == "RenameDestinationParentPathNotFound"
    await fs.get_directory_client("final").create_directory()
    await fs.get_file_client("tmp/one").rename_file(
        "bronze/final/one", match_condition=MatchConditions.IfMissing
    )
    with pytest.raises(ResourceExistsError):
        await fs.get_file_client("tmp/two").rename_file(
            "bronze/final/one", match_condition=MatchConditions.IfMissing
        )
    assert await (await fs.get_file_client("final/one").download_file()).readall() == b"1"


async def test_containers(server: FakeAdls) -> None:
    async with client(server) as service:
        lake = service.get_file_system_client("newlake")
        assert not await lake.exists()
        await lake.create_file_system()
        with pytest.raises(ResourceExistsError):
            await lake.create_file_system()
        assert await lake.exists()
        await lake.delete_file_system()
    assert "newlake" not in server.filesystems


async def test_wrong_key_fails_every_kind_of_request(server: FakeAdls) -> None:
    async with client(server, {"account_name": ACCOUNT, "account_key": WRONG_KEY}) as service:
        fs = service.get_file_system_client("bronze")
        file = fs.get_file_client("a.json")
        calls = [
            file.create_file(),
            file.get_file_properties(),
            file.delete_file(),
            fs.get_file_system_properties(),
        ]
        for call in calls:
            with pytest.raises(ClientAuthenticationError):
                await call
        with pytest.raises(ClientAuthenticationError):
            [p async for p in fs.get_paths()]
    assert {seen.status for seen in server.log} == {403}


async def test_directory_sas_is_limited_to_its_directory(server: FakeAdls) -> None:
    token = generate_directory_sas(
        ACCOUNT,
        "bronze",
        "house/solar",
        ACCOUNT_KEY,
        permission="racwdl",
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    async with client(server, token) as service:
        fs = service.get_file_system_client("bronze")
        await fs.get_file_client("house/solar/a.json").upload_data(b"{}", overwrite=True)
        with pytest.raises(ClientAuthenticationError):
            await fs.get_file_client("house/weather/a.json").upload_data(b"{}", overwrite=True)
    assert server.files() == {"house/solar/a.json": b"{}"}
