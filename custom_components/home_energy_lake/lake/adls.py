"""Azure Data Lake Storage Gen2 as a Bronze backend, through the async Azure SDK.

Uploads are write-once and atomic: a segment is written to a unique temporary file under
``<prefix>/_incoming/`` (create, append with a per-request MD5, flush with the whole
file's MD5 stored), then renamed onto its final path with ``If-None-Match: *``. Readers
therefore never see a partial segment, and a retry after a lost answer or a crash finds
the final path taken: the stored size and MD5 (or, failing that, the bytes) decide
whether it is the same upload (success) or a real conflict (an error, nothing
overwritten).

The SDK retries a little by itself (seconds, not minutes); the writer owns the long
exponential backoff. Every SDK error becomes a :class:`BackendError` that says whether
trying again can help. Secrets never reach a message, a log line or ``repr``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
import hashlib
import logging
import platform
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit
import uuid

import aiohttp
from azure.core import MatchConditions
from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.transport import AioHttpTransport
from azure.identity.aio import ClientSecretCredential
from azure.storage.filedatalake import ContentSettings
from azure.storage.filedatalake.aio import DataLakeFileClient, DataLakeServiceClient

from .backend import BackendError, ErrorKind
from .paths import check_relative_path

_LOGGER = logging.getLogger(__name__)

# The SDK puts platform.platform() in its User-Agent, and the first call reads the Python
# binary from disk. Home Assistant imports this module in an executor: pay for it here,
# so that building a client on the event loop later only hits the cache.
platform.platform()

INCOMING_DIR = "_incoming"
"""Temporary uploads live here until renamed; leftovers from crashes are safe to delete."""
CHECK_DIR = "_check"
"""The connection test writes (and deletes) its probe file here."""

SAS_REQUIRED_PERMISSIONS = "rwdm"
"""A container (service) SAS needs read (size and conflict checks), write (create, append,
flush), delete (clean-up) and move (publishing by rename)."""
ACCOUNT_SAS_REQUIRED_PERMISSIONS = "rwd"
"""An account SAS has no move letter; Azure authorizes its renames with the others."""

_APPEND_CHUNK = 8 * 1024 * 1024
_DISCARD_TIMEOUT = 5.0
_ACCOUNT_NAME = re.compile(r"[a-z0-9]{3,24}")
_FILESYSTEM_NAME = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_PERMISSION_CODES = frozenset(
    {
        "AuthorizationPermissionMismatch",
        "AuthorizationFailure",
        "AuthorizationResourceTypeMismatch",
        "AuthorizationServiceMismatch",
        "AuthorizationSourceIPMismatch",
        "AuthorizationProtocolMismatch",
    }
)
_MISSING_FILESYSTEM_CODES = frozenset({"FilesystemNotFound", "ContainerNotFound"})


class AdlsAuth(StrEnum):
    """How the integration proves who it is to the storage account."""

    ACCOUNT_KEY = "account_key"
    SAS = "sas"
    SERVICE_PRINCIPAL = "service_principal"


@dataclass(frozen=True, slots=True)
class AccountKey:
    """A storage account access key (base64, from the portal's "Access keys")."""

    key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SasToken:
    """A shared access signature: the query string, with or without its leading ``?``."""

    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    """An Entra ID app registration with a client secret."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)


type AdlsCredential = AccountKey | SasToken | ServicePrincipal


@dataclass(frozen=True, slots=True)
class AdlsConfig:
    """What the integration stores in its config entry to reach an ADLS Gen2 lake.

    Field names are the config-entry keys (:meth:`from_mapping`). Secrets are left out
    of ``repr``.
    """

    account_name: str
    filesystem: str
    auth: AdlsAuth
    account_key: str | None = field(default=None, repr=False)
    sas_token: str | None = field(default=None, repr=False)
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    path_prefix: str = ""
    endpoint: str | None = None
    """Account URL override (sovereign clouds, private endpoints, tests on loopback)."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AdlsConfig:
        """Build from config-entry data; unknown keys are ignored, strings are trimmed."""

        def text(key: str) -> str | None:
            value = data.get(key)
            return value.strip() if isinstance(value, str) and value.strip() else None

        return cls(
            account_name=text("account_name") or "",
            filesystem=text("filesystem") or "",
            auth=AdlsAuth(data.get("auth", AdlsAuth.ACCOUNT_KEY)),
            account_key=text("account_key"),
            sas_token=text("sas_token"),
            tenant_id=text("tenant_id"),
            client_id=text("client_id"),
            client_secret=text("client_secret"),
            path_prefix=text("path_prefix") or "",
            endpoint=text("endpoint"),
        )

    def problems(self, now: datetime | None = None) -> dict[str, str]:
        """Check the settings without any network; returns ``{field: error_code}``.

        Error codes: ``invalid_account_name``, ``invalid_filesystem``,
        ``invalid_path_prefix``, ``invalid_endpoint``, ``invalid_account_key``,
        ``invalid_sas``, ``sas_expired``, ``sas_missing_permissions``,
        ``missing_service_principal``. An empty dict means the settings look usable.
        """
        errors: dict[str, str] = {}
        if not _ACCOUNT_NAME.fullmatch(self.account_name):
            errors["account_name"] = "invalid_account_name"
        if not _FILESYSTEM_NAME.fullmatch(self.filesystem):
            errors["filesystem"] = "invalid_filesystem"
        try:
            normalize_prefix(self.path_prefix)
        except ValueError:
            errors["path_prefix"] = "invalid_path_prefix"
        if self.endpoint is not None and not _endpoint_is_acceptable(self.endpoint):
            errors["endpoint"] = "invalid_endpoint"
        match self.auth:
            case AdlsAuth.ACCOUNT_KEY:
                if not _is_base64(self.account_key or ""):
                    errors["account_key"] = "invalid_account_key"
            case AdlsAuth.SAS:
                if problem := sas_problem(self.sas_token or "", now or datetime.now(UTC)):
                    errors["sas_token"] = problem
            case AdlsAuth.SERVICE_PRINCIPAL:
                for key in ("tenant_id", "client_id", "client_secret"):
                    if not getattr(self, key):
                        errors[key] = "missing_service_principal"
        return errors

    @property
    def account_url(self) -> str:
        """The DFS account URL; the SDK derives the Blob URL from it."""
        if self.endpoint:
            return self.endpoint.rstrip("/")
        return f"https://{self.account_name}.dfs.core.windows.net"

    def credential(self) -> AdlsCredential:
        """Return the credential these settings describe (call :meth:`problems` first)."""
        match self.auth:
            case AdlsAuth.ACCOUNT_KEY:
                return AccountKey(self.account_key or "")
            case AdlsAuth.SAS:
                return SasToken(normalize_sas(self.sas_token or ""))
            case AdlsAuth.SERVICE_PRINCIPAL:
                return ServicePrincipal(
                    self.tenant_id or "", self.client_id or "", self.client_secret or ""
                )


def normalize_prefix(prefix: str) -> str:
    """Return the prefix as ``a/b`` (no outer slashes); ValueError if it could escape."""
    trimmed = prefix.strip().strip("/")
    return "/".join(check_relative_path(trimmed)) if trimmed else ""


def normalize_sas(token: str) -> str:
    """Accept a bare token, ``?token`` or a whole SAS URL; return the bare token."""
    token = token.strip()
    if token.startswith(("http://", "https://")):
        token = urlsplit(token).query
    return token.removeprefix("?")


def sas_problem(token: str, now: datetime) -> str | None:
    """Why a SAS token cannot work (an error code), or None if it looks usable."""
    fields = parse_qs(normalize_sas(token))
    if not all(key in fields for key in ("sig", "sv", "se")):
        return "invalid_sas"
    try:
        expiry = datetime.fromisoformat(fields["se"][0].replace("Z", "+00:00"))
    except ValueError:
        return "invalid_sas"
    if (expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)) <= now:
        return "sas_expired"
    permissions = fields.get("sp", [""])[0]
    is_account_sas = "ss" in fields
    needed = ACCOUNT_SAS_REQUIRED_PERMISSIONS if is_account_sas else SAS_REQUIRED_PERMISSIONS
    if not all(letter in permissions for letter in needed):
        return "sas_missing_permissions"
    if is_account_sas and ("b" not in fields["ss"][0] or "o" not in fields.get("srt", [""])[0]):
        return "sas_missing_permissions"
    return None


def _is_base64(value: str) -> bool:
    try:
        return bool(value) and len(base64.b64decode(value, validate=True)) > 0
    except (binascii.Error, ValueError):
        return False


def _endpoint_is_acceptable(endpoint: str) -> bool:
    """HTTPS anywhere; plain HTTP only on loopback (keys must not cross a network bare)."""
    parts = urlsplit(endpoint)
    if parts.query or parts.fragment or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS)


def _content_type(path: str) -> str:
    if path.endswith(".gz"):
        return "application/gzip"
    if path.endswith(".jsonl"):
        return "application/x-ndjson"
    return "application/octet-stream"


def _error_code(err: AzureError) -> str:
    """Return the storage error code the SDK attaches (``PathAlreadyExists`` …), or ''."""
    code = getattr(err, "error_code", None)
    return str(code.value if isinstance(code, Enum) else code or "")


_SAS_SIGNATURE = re.compile(r"(?i)\bsig=[^&\s\"']*")


class AdlsBackend:
    """Bronze backend on an ADLS Gen2 file system (hierarchical namespace enabled)."""

    def __init__(
        self,
        *,
        account_name: str,
        filesystem: str,
        credential: AdlsCredential,
        path_prefix: str = "",
        endpoint: str | None = None,
        session: aiohttp.ClientSession | None = None,
        retry_total: int = 2,
        retry_initial_backoff: float = 0.5,
        retry_increment_base: float = 2.0,
        retry_jitter: float = 0.5,
        connection_timeout: float = 10.0,
        read_timeout: float = 30.0,
        operation_timeout: float = 180.0,
    ) -> None:
        """Prepare a client; nothing goes over the network until the first call.

        ``endpoint`` overrides the account URL (``https://<account>.dfs.core.windows.net``).
        ``session`` lets the integration share Home Assistant's aiohttp session (it is
        not closed here); without one the SDK opens its own, which reads proxy settings
        and ``~/.netrc`` from disk when it first connects. The ``retry_*`` values set
        the SDK's own quick retries: retry *k* waits ``initial + increment_base**k`` ±
        ``jitter`` seconds.
        ``operation_timeout`` bounds one whole put, retries included.
        """
        self._prefix = normalize_prefix(path_prefix)
        self._filesystem_name = filesystem
        self._account_url = (endpoint or f"https://{account_name}.dfs.core.windows.net").rstrip("/")
        self._operation_timeout = operation_timeout
        self._secrets: tuple[str, ...] = ()
        self._token_credential: ClientSecretCredential | None = None
        sdk_credential: AzureNamedKeyCredential | AzureSasCredential | ClientSecretCredential
        match credential:
            case AccountKey(key=key):
                sdk_credential = AzureNamedKeyCredential(account_name, key)
                self._secrets = (key,)
            case SasToken(token=token):
                sdk_credential = AzureSasCredential(normalize_sas(token))
                self._secrets = (normalize_sas(token),)
            case ServicePrincipal(tenant_id=tenant, client_id=client, client_secret=secret):
                token_options: dict[str, Any] = {}
                if session is not None:
                    token_options["transport"] = AioHttpTransport(
                        session=session, session_owner=False
                    )
                self._token_credential = ClientSecretCredential(
                    tenant, client, secret, **token_options
                )
                sdk_credential = self._token_credential
                self._secrets = (secret,)
        options: dict[str, Any] = {
            "retry_total": retry_total,
            "retry_connect": retry_total,
            "retry_read": retry_total,
            "retry_status": retry_total,
            "initial_backoff": retry_initial_backoff,
            "increment_base": retry_increment_base,
            "random_jitter_range": retry_jitter,
            "connection_timeout": connection_timeout,
            "read_timeout": read_timeout,
        }
        if session is not None:
            options["transport"] = AioHttpTransport(session=session, session_owner=False)
        self._service = DataLakeServiceClient(
            self._account_url, credential=sdk_credential, **options
        )
        self._filesystem = self._service.get_file_system_client(filesystem)
        self.description = "ADLS Gen2 " + "/".join(
            part for part in (self._account_url, filesystem, self._prefix) if part
        )

    @classmethod
    def from_config(
        cls, config: AdlsConfig, *, session: aiohttp.ClientSession | None = None
    ) -> AdlsBackend:
        """Build the backend the integration's config entry describes."""
        if problems := config.problems():
            secrets = {"account_key", "sas_token", "tenant_id", "client_id", "client_secret"}
            kind = ErrorKind.AUTH_FAILED if secrets & problems.keys() else ErrorKind.OTHER
            raise BackendError(
                f"ADLS settings are not usable: {problems}", retryable=False, kind=kind
            )
        return cls(
            account_name=config.account_name,
            filesystem=config.filesystem,
            credential=config.credential(),
            path_prefix=config.path_prefix,
            endpoint=config.endpoint,
            session=session,
        )

    # -- BronzeBackend ----------------------------------------------------------------

    async def async_put(self, path: str, data: bytes) -> None:
        """Publish ``data`` at ``path`` atomically, once; same bytes again is a no-op."""
        final = self._full_path(path)
        try:
            async with asyncio.timeout(self._operation_timeout):
                await self._publish(final, data)
        except TimeoutError as err:
            raise BackendError(
                f"Upload of {path} to {self.description} took longer than "
                f"{self._operation_timeout:.0f} s",
                retryable=True,
            ) from err
        except AzureError as err:
            raise self._backend_error(err, f"upload {path}") from err

    async def async_size(self, path: str) -> int | None:
        """Return the stored size of ``path`` in bytes, or None when it does not exist."""
        client = self._filesystem.get_file_client(self._full_path(path))
        try:
            properties = await client.get_file_properties()
        except ResourceNotFoundError as err:
            if _error_code(err) in _MISSING_FILESYSTEM_CODES:
                raise self._backend_error(err, f"look up {path}") from err
            return None
        except AzureError as err:
            raise self._backend_error(err, f"look up {path}") from err
        if properties.metadata.get("hdi_isfolder") == "true":
            raise BackendError(
                f"{path} is a directory in {self.description}",
                retryable=False,
                kind=ErrorKind.CONFLICT,
            )
        return int(properties.size)

    async def async_check(self) -> None:
        """Write, read back and delete a small probe file under ``<prefix>/_check/``.

        This exercises every permission an upload needs (create, write, rename, read,
        delete). The file system must already exist: it is not created here, because a
        SAS scoped to one container cannot create it and a typo would silently create a
        second, empty lake.
        """
        probe_path = f"{CHECK_DIR}/{uuid.uuid4().hex}.txt"
        probe = f"Home Energy Lake write test {datetime.now(UTC).isoformat()}\n".encode()
        await self.async_put(probe_path, probe)
        size = await self.async_size(probe_path)
        if size != len(probe):
            raise BackendError(
                f"The test file in {self.description} reads back as {size} bytes, not {len(probe)}",
                retryable=True,
            )
        client = self._filesystem.get_file_client(self._full_path(probe_path))
        try:
            await client.delete_file()
        except AzureError as err:
            raise self._backend_error(err, "delete the test file") from err

    async def async_close(self) -> None:
        """Close the SDK client (and its own HTTP session, if it made one)."""
        await self._service.close()
        if self._token_credential is not None:
            await self._token_credential.close()

    # -- reading back (diagnostics, tests, pulling Bronze from the lake) ----------------

    async def async_read(self, path: str) -> bytes:
        """Return the stored bytes of ``path``."""
        client = self._filesystem.get_file_client(self._full_path(path))
        try:
            download = await client.download_file()
            return await download.readall()
        except AzureError as err:
            raise self._backend_error(err, f"read {path}") from err

    async def async_list(self, directory: str = "") -> dict[str, int]:
        """Files under ``directory`` (recursive) as ``{path relative to the root: size}``.

        Temporary uploads and test probes are not listed.
        """
        base = self._full_path(directory) if directory.strip("/") else self._prefix
        root = f"{self._prefix}/" if self._prefix else ""
        found: dict[str, int] = {}
        try:
            async for item in self._filesystem.get_paths(path=base or None, recursive=True):
                relative = str(item.name).removeprefix(root)
                if item.is_directory or relative.split("/", 1)[0] in {INCOMING_DIR, CHECK_DIR}:
                    continue
                found[relative] = int(item.content_length)
        except ResourceNotFoundError as err:
            if _error_code(err) in _MISSING_FILESYSTEM_CODES:
                raise self._backend_error(err, f"list {directory or '/'}") from err
            return {}
        except AzureError as err:
            raise self._backend_error(err, f"list {directory or '/'}") from err
        return found

    # -- the upload -------------------------------------------------------------------

    async def _publish(self, final: str, data: bytes) -> None:
        # Azure's content checksum; hashing megabytes belongs off the event loop.
        md5 = await asyncio.get_running_loop().run_in_executor(None, _content_md5, data)
        settings = ContentSettings(content_type=_content_type(final), content_md5=bytearray(md5))
        temporary = self._filesystem.get_file_client(
            self._join(INCOMING_DIR, f"{uuid.uuid4().hex}.tmp")
        )
        # No conditions on the temporary file: it is ours alone, so a replayed create,
        # append or flush after a lost answer is harmless.
        await temporary.create_file()
        published = False
        try:
            for offset in range(0, len(data), _APPEND_CHUNK):
                chunk = data[offset : offset + _APPEND_CHUNK]
                await temporary.append_data(
                    chunk, offset=offset, length=len(chunk), validate_content=True
                )
            await temporary.flush_data(len(data), content_settings=settings, close=True)
            published = await self._rename_once(temporary, final)
            if not published:
                await self._verify_existing(final, data, md5)
        finally:
            if not published:
                await self._discard(temporary)

    async def _rename_once(self, temporary: DataLakeFileClient, final: str) -> bool:
        """Move the temporary file onto ``final`` unless it exists; True if moved now.

        False means ``final`` already existed (or the rename had happened on an earlier
        attempt whose answer was lost); the caller compares contents.
        """
        target = f"{self._filesystem_name}/{final}"
        for _ in range(2):
            try:
                await temporary.rename_file(target, match_condition=MatchConditions.IfMissing)
            except ResourceExistsError:
                return False
            except ResourceNotFoundError as err:
                if _error_code(err) == "SourcePathNotFound":
                    # Our temporary file is gone: an earlier, unanswered rename moved it.
                    return False
                if _error_code(err) != "RenameDestinationParentPathNotFound":
                    raise
                await self._make_directory(final.rpartition("/")[0])
            else:
                return True
        raise BackendError(f"The folder for {final} could not be created", retryable=True)

    async def _make_directory(self, directory: str) -> None:
        client = self._filesystem.get_directory_client(directory)
        try:
            # Conditional, so an existing folder (made meanwhile by anyone) is left as is.
            await client.create_directory(match_condition=MatchConditions.IfMissing)
        except ResourceExistsError as err:
            if _error_code(err) != "PathAlreadyExists":
                raise

    async def _verify_existing(self, final: str, data: bytes, md5: bytes) -> None:
        """Accept an existing ``final`` only if it holds exactly ``data``."""
        client = self._filesystem.get_file_client(final)
        try:
            properties = await client.get_file_properties()
        except ResourceNotFoundError as err:
            if _error_code(err) in _MISSING_FILESYSTEM_CODES:
                raise
            # Neither our temporary file nor the final one exists: something removed the
            # upload in between (a clean-up rule, a person). Nothing is published; redo it.
            raise BackendError(
                f"The temporary upload of {self._relative(final)} vanished before it was published",
                retryable=True,
            ) from err
        stored_md5 = properties.content_settings.content_md5
        is_folder = properties.metadata.get("hdi_isfolder") == "true"
        if is_folder or int(properties.size) != len(data):
            same = False
        elif stored_md5:
            same = bytes(stored_md5) == md5
        else:
            # Written by something that stored no checksum: compare the bytes themselves.
            same = await (await client.download_file()).readall() == data
        if not same:
            raise BackendError(
                f"{self._relative(final)} already exists in {self.description} with different "
                f"content ({properties.size} bytes stored, {len(data)} to write); nothing was "
                "overwritten",
                retryable=False,
                kind=ErrorKind.CONFLICT,
            )
        _LOGGER.debug("%s was already uploaded; treating the retry as done", final)

    async def _discard(self, temporary: DataLakeFileClient) -> None:
        """Best-effort, quick removal of a temporary upload; leftovers are harmless."""
        try:
            async with asyncio.timeout(_DISCARD_TIMEOUT):
                await temporary.delete_file(retry_total=0)
        except (AzureError, TimeoutError):
            _LOGGER.debug("Could not remove temporary upload %s", temporary.path_name)

    # -- helpers ----------------------------------------------------------------------

    def _join(self, *parts: str) -> str:
        return "/".join(part for part in (self._prefix, *parts) if part)

    def _full_path(self, path: str) -> str:
        try:
            check_relative_path(path)
        except ValueError as err:
            raise BackendError(
                f"Refusing unsafe lake path {path!r}", retryable=False, kind=ErrorKind.OTHER
            ) from err
        return self._join(path)

    def _relative(self, full: str) -> str:
        return full.removeprefix(f"{self._prefix}/") if self._prefix else full

    def _backend_error(self, err: AzureError, action: str) -> BackendError:
        """Translate an SDK error into what the writer and the user need to know."""
        status = getattr(err, "status_code", None)
        code = _error_code(err)
        where = self.description
        if isinstance(err, ClientAuthenticationError) or (
            status == 403 and code not in _PERMISSION_CODES
        ):
            reason = code or self._redact(str(err.message or err).splitlines()[0])
            message = (
                f"Could not {action}: {where} refused the credentials ({reason}): "
                "the key or SAS was refused; check the account name, the access key or the "
                "SAS token and its expiry, the service principal's tenant, client id and "
                "secret, and that this computer's clock is right"
            )
            return BackendError(message, retryable=False, kind=ErrorKind.AUTH_FAILED)
        if status == 403:
            message = (
                f"Could not {action}: {where} refused the operation ({code}). The credentials "
                "work but lack permission: a container SAS needs at least "
                f"'{SAS_REQUIRED_PERMISSIONS}' (read, write, delete, move), an account SAS "
                f"'{ACCOUNT_SAS_REQUIRED_PERMISSIONS}', a service principal the role Storage "
                "Blob Data Contributor on the container, and the storage firewall must allow "
                "this network"
            )
            return BackendError(message, retryable=False, kind=ErrorKind.PERMISSION_DENIED)
        if code in _MISSING_FILESYSTEM_CODES:
            message = (
                f"Could not {action}: the file system (container) {self._filesystem_name!r} "
                f"does not exist in {self._account_url}; create it first"
            )
            return BackendError(message, retryable=False, kind=ErrorKind.MISSING_FOLDER)
        if isinstance(err, (ServiceRequestError, ServiceResponseError)):
            retryable = True
        elif isinstance(err, HttpResponseError) and status is not None:
            retryable = status >= 500 or status in {408, 429}
        else:
            retryable = True
        detail = self._redact(str(getattr(err, "message", None) or err).splitlines()[0])
        status_text = f"HTTP {status} {code}".strip() if status else type(err).__name__
        return BackendError(
            f"Could not {action} in {where}: {status_text}: {detail}", retryable=retryable
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return _SAS_SIGNATURE.sub("sig=***", text)


def _content_md5(data: bytes) -> bytes:
    """Return the MD5 digest Azure stores as Content-MD5 (an integrity check, not security)."""
    return hashlib.md5(data, usedforsecurity=False).digest()
