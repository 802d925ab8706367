"""ADLS Gen2 Bronze: list the lake and download new or changed segments to a local cache.

The build then reads the cache like a local lake. A segment is downloaded when the cache
has no copy or the remote size or ETag changed (kept in ``.etags.json`` in the cache);
the local copy gets the remote last-modified time as its mtime, so the manifest sees a
change exactly when ADLS has one. The synchronous SDK is enough: this runs in a command,
not on Home Assistant's event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import ipaddress
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential, TokenCredential
from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.filedatalake import DataLakeServiceClient

from .bronze import SEGMENT_SUFFIXES, SOURCES
from .lakehouse import LakeUnavailableError

_INDEX = ".etags.json"


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did."""

    downloaded: int
    unchanged: int


def account_name(account_url: str) -> str:
    """Return the storage account of a DFS URL.

    That is the host's first label, or for an IP address (as emulators use) the first
    path segment.
    """
    parts = urlsplit(account_url)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            return host.split(".")[0]
    return parts.path.strip("/").split("/")[0]


def _credential(
    account_url: str, account_key: str | None, sas_token: str | None
) -> AzureNamedKeyCredential | AzureSasCredential | TokenCredential:
    if account_key:
        return AzureNamedKeyCredential(account_name(account_url), account_key)
    if sas_token:
        return AzureSasCredential(sas_token.lstrip("?"))
    from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only when used

    return DefaultAzureCredential()


def sync_adls(
    *,
    account_url: str,
    filesystem: str,
    prefix: str,
    cache: Path,
    account_key: str | None = None,
    sas_token: str | None = None,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    **client_options: Any,
) -> SyncReport:
    """Mirror the Bronze segments of an ADLS file system into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    index_path = cache / _INDEX
    index: dict[str, list[object]] = (
        json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    )
    root = prefix.strip("/")
    credential = _credential(account_url, account_key, sas_token)
    downloaded = 0
    try:
        with DataLakeServiceClient(account_url, credential=credential, **client_options) as service:
            fs = service.get_file_system_client(filesystem)
            wanted = []
            for source in SOURCES:
                folder = f"{root}/{source}/raw" if root else f"{source}/raw"
                try:
                    items = list(fs.get_paths(path=folder, recursive=True))
                except ResourceNotFoundError:
                    continue  # no data of this kind yet
                for item in items:
                    name = str(item.name)
                    if item.is_directory or not name.endswith(SEGMENT_SUFFIXES):
                        continue
                    rel = name[len(root) + 1 :] if root else name
                    state: list[object] = [item.content_length, item.etag]
                    if index.get(rel) != state or not (cache / rel).exists():
                        wanted.append((name, rel, state, item.last_modified.timestamp()))
            advance = progress("downloading ADLS segments", len(wanted)) if progress else None
            for name, rel, state, modified in wanted:
                data = fs.get_file_client(name).download_file().readall()
                target = cache / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                partial.write_bytes(data)
                os.replace(partial, target)
                os.utime(target, (modified, modified))
                index[rel] = state
                downloaded += 1
                if advance:
                    advance(1)
    except AzureError as err:
        message = str(err).splitlines()[0]
        raise LakeUnavailableError(f"ADLS {account_url} {filesystem}: {message}") from err
    finally:
        index_path.write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
    return SyncReport(downloaded=downloaded, unchanged=len(index) - downloaded)
