"""ADLS Gen2 Bronze: list the lake and download new or changed segments to a local cache.

The build then reads the cache like a local lake. A segment is downloaded when the cache
has no copy or the remote size or ETag changed (kept in ``.etags.json`` in the cache);
the local copy gets the remote last-modified time as its mtime, so the manifest sees a
change exactly when ADLS has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json
import os
from pathlib import Path

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.storage.filedatalake import DataLakeServiceClient

from .bronze import SEGMENT_SUFFIXES, SOURCES
from .lakehouse import LakeUnavailableError

_INDEX = ".etags.json"


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did."""

    downloaded: int
    unchanged: int


def sync_adls(
    *,
    account_url: str,
    filesystem: str,
    prefix: str,
    credential: str | None,
    cache: Path,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
) -> SyncReport:
    """Mirror the Bronze segments of an ADLS file system into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    index_path = cache / _INDEX
    index: dict[str, list[object]] = (
        json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    )
    root = prefix.strip("/")
    auth: str | TokenCredential
    if credential is None:
        from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - optional

        auth = DefaultAzureCredential()
    else:
        auth = credential
    try:
        with DataLakeServiceClient(account_url, credential=auth) as service:
            fs = service.get_file_system_client(filesystem)
            wanted = []
            for source in SOURCES:
                folder = f"{root}/{source}/raw" if root else f"{source}/raw"
                if not fs.get_directory_client(folder).exists():
                    continue
                for item in fs.get_paths(path=folder, recursive=True):
                    if item.is_directory or not str(item.name).endswith(SEGMENT_SUFFIXES):
                        continue
                    rel = str(item.name)[len(root) + 1 :] if root else str(item.name)
                    state = [item.content_length, item.etag]
                    if index.get(rel) != state or not (cache / rel).exists():
                        wanted.append((item, rel, state))
            advance = progress("downloading ADLS segments", len(wanted)) if progress else None
            for item, rel, state in wanted:
                data = fs.get_file_client(str(item.name)).download_file().readall()
                target = cache / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                partial.write_bytes(data)
                os.replace(partial, target)
                modified = item.last_modified.timestamp()
                os.utime(target, (modified, modified))
                index[rel] = state
                if advance:
                    advance(1)
    except AzureError as err:
        raise LakeUnavailableError(f"ADLS {account_url}/{filesystem}: {err}") from err
    finally:
        index_path.write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
    total = sum(1 for _ in index)
    return SyncReport(downloaded=len(wanted), unchanged=total - len(wanted))
