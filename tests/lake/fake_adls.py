"""A loopback stand-in for Azure Data Lake Storage Gen2, as the Azure SDK talks to it.

Azurite has no DFS endpoint, so this aiohttp server speaks the part of the DFS and Blob
REST protocol that ``azure-storage-file-datalake`` uses (see
``/work/shared/reference/adls-gen2-protocol.md``): file systems, path create, append and
flush, rename, HEAD, ranged GET, listing and delete. It checks SharedKey signatures and
SAS tokens (signature, scope, permissions, validity window) the way Azure does, so a
wrong key gets the real 403 ``AuthenticationFailed``. Faults (error statuses, stalls,
connection resets before or after processing) are injected per operation, per path and
per request count.

Both the Blob and the DFS side share one port, as they do when the SDK is pointed at an
IP address; the side decides the error-body format.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
import hashlib
import hmac
import json
import socket
import struct
from typing import Literal, Self
from urllib.parse import parse_qsl, unquote
import uuid

from aiohttp import web

ACCOUNT = "devstoreaccount1"
# The storage emulator's published development key: public, never a real secret.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

type Side = Literal["blob", "dfs"]
type FaultKind = Literal["status", "delay", "reset", "lost_response"]

# The operation names faults and the request log use.
OPERATIONS = frozenset(
    {
        "create_filesystem",
        "filesystem_properties",
        "delete_filesystem",
        "list",
        "create_file",
        "create_directory",
        "rename",
        "append",
        "flush",
        "properties",
        "read",
        "delete",
    }
)

# Which SAS permission letters allow an operation (any one of them suffices).
_SAS_PERMISSIONS = {
    "create_filesystem": "c",
    "filesystem_properties": "r",
    "delete_filesystem": "d",
    "list": "l",
    "create_file": "cw",
    "create_directory": "cw",
    "rename": "m",
    "append": "aw",
    "flush": "w",
    "properties": "r",
    "read": "r",
    "delete": "d",
}
_MAX_CLOCK_SKEW = timedelta(minutes=15)
_WINDOWS_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


@dataclass
class Fault:
    """Something to go wrong on matching requests.

    ``status`` answers ``status``/``code`` instead of processing; ``delay`` waits
    ``delay`` seconds and then processes normally (a slow or hung server);
    ``reset`` resets the connection before processing; ``lost_response`` processes the
    request and then resets the connection, so the client never hears of the success.
    The first ``skip`` matching requests pass untouched, the next ``times`` are hit.
    """

    kind: FaultKind
    operation: str | None = None
    path_contains: str | None = None
    times: int = 1
    skip: int = 0
    status: int = 503
    code: str = "ServerBusy"
    delay: float = 0.0
    seen: int = 0
    hits: int = 0

    def __post_init__(self) -> None:
        """Catch typos in operation names, which would silently never match."""
        if self.operation is not None and self.operation not in OPERATIONS:
            raise ValueError(f"unknown operation {self.operation!r}")

    def take(self, operation: str, path: str) -> bool:
        """Count a request and say whether this fault hits it."""
        if self.operation is not None and operation != self.operation:
            return False
        if self.path_contains is not None and self.path_contains not in path:
            return False
        self.seen += 1
        if self.seen <= self.skip or self.hits >= self.times:
            return False
        self.hits += 1
        return True


@dataclass
class Entry:
    """A file or directory in a file system."""

    is_directory: bool
    etag: str
    created: datetime
    modified: datetime
    data: bytearray = field(default_factory=bytearray)
    pending: dict[int, bytes] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    content_md5: str | None = None


@dataclass(frozen=True)
class Seen:
    """One request as the server classified it."""

    method: str
    operation: str
    filesystem: str
    path: str
    status: int


class AdlsError(Exception):
    """An error answer: status, storage error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _new_etag() -> str:
    return f'"0x{uuid.uuid4().hex[:15].upper()}"'


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def sign(key: str, text: str) -> str:
    """HMAC-SHA256 of ``text`` with the base64 account key, base64-encoded (Azure's scheme)."""
    digest = hmac.new(base64.b64decode(key), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _parse_properties(header: str) -> dict[str, str]:
    """Decode ``x-ms-properties`` (``name=base64(value)`` pairs, comma-separated)."""
    properties: dict[str, str] = {}
    for pair in header.split(","):
        if not pair.strip():
            continue
        name, _, value = pair.strip().partition("=")
        properties[name] = base64.b64decode(value).decode("utf-8")
    return properties


class FakeAdls:
    """The server: in-memory file systems, auth checks, fault injection, a request log."""

    def __init__(
        self,
        *,
        account: str = ACCOUNT,
        account_key: str = ACCOUNT_KEY,
        check_auth: bool = True,
        filesystems: tuple[str, ...] = ("bronze",),
    ) -> None:
        self.account = account
        self.account_key = account_key
        self.check_auth = check_auth
        self.filesystems: dict[str, dict[str, Entry]] = {name: {} for name in filesystems}
        self.faults: list[Fault] = []
        self.log: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        # Set on close so that stalled handlers end at once instead of holding shutdown.
        self._closing = asyncio.Event()

    @property
    def account_url(self) -> str:
        """Path-style account URL the SDK accepts for loopback (account in the path)."""
        return f"http://127.0.0.1:{self._port}/{self.account}"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert isinstance(server, asyncio.Server)
        self._port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Release stalled handlers and stop listening."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def inject(self, fault: Fault) -> Fault:
        """Add a fault; returns it so the test can read ``hits`` afterwards."""
        self.faults.append(fault)
        return fault

    def file_bytes(self, filesystem: str, path: str) -> bytes:
        """The committed content of a file (KeyError if absent)."""
        entry = self.filesystems[filesystem][path]
        assert not entry.is_directory
        return bytes(entry.data)

    def files(self, filesystem: str = "bronze") -> dict[str, bytes]:
        """Every file's committed content, by path."""
        return {
            path: bytes(entry.data)
            for path, entry in self.filesystems[filesystem].items()
            if not entry.is_directory
        }

    def operations(self, operation: str) -> list[Seen]:
        """The logged requests of one operation."""
        return [seen for seen in self.log if seen.operation == operation]

    # -- request handling -----------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_path, _, raw_query = request.raw_path.partition("?")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        segments = raw_path.split("/", 3)  # "", account, filesystem, path
        account = unquote(segments[1]) if len(segments) > 1 else ""
        filesystem = unquote(segments[2]) if len(segments) > 2 else ""
        path = unquote(segments[3]) if len(segments) > 3 else ""
        operation, side = self._classify(request.method, query, path)
        body = await request.read()

        fault = next((f for f in self.faults if f.take(operation, path)), None)
        response: web.StreamResponse
        try:
            if fault is not None and fault.kind == "status":
                raise AdlsError(fault.status, fault.code, "Injected fault.")
            if fault is not None and fault.kind == "reset":
                _reset_connection(request)
                return web.Response(status=500)
            if fault is not None and fault.kind == "delay":
                await self._stall(fault.delay)
            if account != self.account:
                raise AdlsError(403, "AuthenticationFailed", "Unknown account.")
            if self.check_auth:
                self._authorize(
                    request,
                    operation=operation,
                    query=query,
                    raw_path=raw_path,
                    filesystem=filesystem,
                    path=path,
                )
            response = self._dispatch(
                request,
                operation=operation,
                query=query,
                filesystem=filesystem,
                path=path,
                body=body,
            )
        except AdlsError as error:
            response = _error_response(request, side, error)
        self.log.append(Seen(request.method, operation, filesystem, path, response.status))
        if fault is not None and fault.kind == "lost_response":
            _reset_connection(request)
        _common_headers(request, response)
        return response

    async def _stall(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            return

    @staticmethod
    def _classify(method: str, query: dict[str, str], path: str) -> tuple[str, Side]:
        if query.get("restype") == "container":
            container_operations = {
                "PUT": "create_filesystem",
                "GET": "filesystem_properties",
                "DELETE": "delete_filesystem",
            }
            return container_operations.get(method, "unsupported"), "blob"
        if query.get("resource") == "filesystem":
            return {"PUT": "create_filesystem", "GET": "list"}.get(method, "unsupported"), "dfs"
        if not path:
            return "unsupported", "blob"
        if method == "PUT" and "mode" in query:
            return "rename", "dfs"
        if method == "PUT" and query.get("resource") in {"file", "directory"}:
            return f"create_{query['resource']}", "dfs"
        if method == "PATCH" and query.get("action") in {"append", "flush"}:
            return query["action"], "dfs"
        if method == "HEAD":
            return "properties", "blob"
        if method == "GET":
            return "read", "blob"
        if method == "DELETE":
            return "delete", "dfs"
        return "unsupported", "dfs"

    # -- authentication ---------------------------------------------------------------

    def _authorize(
        self,
        request: web.Request,
        *,
        operation: str,
        query: dict[str, str],
        raw_path: str,
        filesystem: str,
        path: str,
    ) -> None:
        authorization = request.headers.get("Authorization")
        if authorization is not None:
            self._check_shared_key(request, authorization, raw_path)
        elif "sig" in query:
            self._check_sas(query, operation, filesystem, path)
        else:
            raise AdlsError(401, "NoAuthenticationInformation", "No authentication info.")

    def _check_shared_key(self, request: web.Request, authorization: str, raw_path: str) -> None:
        scheme, _, credential = authorization.partition(" ")
        account, _, signature = credential.partition(":")
        if scheme != "SharedKey" or not signature:
            raise AdlsError(400, "InvalidAuthenticationInfo", "Malformed Authorization header.")
        date = request.headers.get("x-ms-date")
        if date is None or abs(datetime.now(UTC) - parsedate_to_datetime(date)) > _MAX_CLOCK_SKEW:
            raise AdlsError(403, "AuthenticationFailed", "Request date header too old or missing.")
        expected = sign(self.account_key, _shared_key_string(request, self.account, raw_path))
        if account != self.account or not hmac.compare_digest(expected, signature):
            raise AdlsError(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization "
                "header is formed correctly including the signature.",
            )

    def _check_sas(self, query: dict[str, str], operation: str, filesystem: str, path: str) -> None:
        if "ss" in query:
            string_to_sign = "".join(
                f"{value}\n"
                for value in (
                    self.account,
                    query.get("sp", ""),
                    query.get("ss", ""),
                    query.get("srt", ""),
                    query.get("st", ""),
                    query.get("se", ""),
                    query.get("sip", ""),
                    query.get("spr", ""),
                    query.get("sv", ""),
                    query.get("ses", ""),
                )
            )
            in_scope = "b" in query["ss"] and ("o" if path else "c") in query.get("srt", "")
        else:
            resource = query.get("sr", "")
            scope = f"/{filesystem}" if resource == "c" else f"/{filesystem}/{path}"
            signed_path = scope
            if resource in {"b", "d"}:
                # The token names its own path; the signature covers that path.
                signed_path = scope if resource == "b" else self._signed_directory(query, scope)
            string_to_sign = "\n".join(
                [
                    query.get("sp", ""),
                    query.get("st", ""),
                    query.get("se", ""),
                    f"/blob/{self.account}{signed_path}",
                    *(
                        query.get(name, "")
                        for name in (
                            "si",
                            "sip",
                            "spr",
                            "sv",
                            "sr",
                            "snapshot",
                            "ses",
                            "rscc",
                            "rscd",
                            "rsce",
                            "rscl",
                            "rsct",
                        )
                    ),
                ]
            )
            in_scope = resource in {"c", "b", "d"}
        if not hmac.compare_digest(sign(self.account_key, string_to_sign), query["sig"]):
            raise AdlsError(
                403,
                "AuthenticationFailed",
                "Signature did not match. String to sign used was ...",
            )
        now = datetime.now(UTC)
        start = _sas_time(query.get("st"))
        expiry = _sas_time(query.get("se"))
        if expiry is None or now > expiry or (start is not None and now < start):
            raise AdlsError(
                403,
                "AuthenticationFailed",
                f"Signature not valid in the specified time frame: Start [{query.get('st', '')}]"
                f" - Expiry [{query.get('se', '')}] - Current [{_http_date(now)}]",
            )
        allowed = _SAS_PERMISSIONS.get(operation, "")
        if operation == "rename" and "ss" in query:
            # Account SAS have no move letter. Assumed, not verified against Azure: the
            # service authorizes their renames with write.
            allowed = "w"
        if not in_scope or not any(letter in query.get("sp", "") for letter in allowed):
            raise AdlsError(
                403,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            )

    @staticmethod
    def _signed_directory(query: dict[str, str], scope: str) -> str:
        """For a directory SAS the signed path is the request path cut to ``sdd`` levels."""
        filesystem, _, rest = scope.lstrip("/").partition("/")
        depth = int(query.get("sdd", "0"))
        return "/" + "/".join([filesystem, *rest.split("/")[:depth]])

    # -- operations -------------------------------------------------------------------

    def _dispatch(
        self,
        request: web.Request,
        *,
        operation: str,
        query: dict[str, str],
        filesystem: str,
        path: str,
        body: bytes,
    ) -> web.Response:
        if operation == "create_filesystem":
            if filesystem in self.filesystems:
                code = "ContainerAlreadyExists" if "restype" in query else "FilesystemAlreadyExists"
                raise AdlsError(409, code, "The specified container already exists.")
            self.filesystems[filesystem] = {}
            return web.Response(status=201, headers={"ETag": _new_etag()})
        files = self.filesystems.get(filesystem)
        if files is None:
            dfs = operation not in {"filesystem_properties", "delete_filesystem", "properties"}
            code = "FilesystemNotFound" if dfs else "ContainerNotFound"
            raise AdlsError(404, code, "The specified filesystem does not exist.")
        handlers: dict[str, Callable[[], web.Response]] = {
            "filesystem_properties": lambda: web.Response(status=200),
            "delete_filesystem": lambda: self._delete_filesystem(filesystem),
            "list": lambda: _list(files, query),
            "create_file": lambda: _create(request, files, path, is_directory=False),
            "create_directory": lambda: _create(request, files, path, is_directory=True),
            "rename": lambda: _rename(request, files, filesystem, path),
            "append": lambda: _append(request, files, path, query, body),
            "flush": lambda: _flush(request, files, path, query, body),
            "properties": lambda: _properties(request, files, path),
            "read": lambda: _read(request, files, path),
            "delete": lambda: _delete(request, files, path, query),
        }
        handler = handlers.get(operation)
        if handler is None:
            raise AdlsError(400, "UnsupportedOperation", f"{request.method} not emulated.")
        return handler()

    def _delete_filesystem(self, filesystem: str) -> web.Response:
        del self.filesystems[filesystem]
        return web.Response(status=202)


def _shared_key_string(request: web.Request, account: str, raw_path: str) -> str:
    """Azure's SharedKey StringToSign for Blob and DFS (versions since 2015-02-21)."""
    headers = request.headers
    length = headers.get("Content-Length", "")
    standard = [
        request.method,
        headers.get("Content-Encoding", ""),
        headers.get("Content-Language", ""),
        "" if length == "0" else length,
        headers.get("Content-MD5", ""),
        headers.get("Content-Type", ""),
        headers.get("Date", ""),
        headers.get("If-Modified-Since", ""),
        headers.get("If-Match", ""),
        headers.get("If-None-Match", ""),
        headers.get("If-Unmodified-Since", ""),
        headers.get("Range", ""),
    ]
    ms_headers = sorted(
        (name.lower(), value) for name, value in headers.items() if name.lower().startswith("x-ms-")
    )
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in ms_headers)
    _, _, raw_query = request.raw_path.partition("?")
    grouped: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        grouped.setdefault(name.lower(), []).append(value)
    resource = f"/{account}{raw_path}" + "".join(
        f"\n{name}:{','.join(sorted(values))}" for name, values in sorted(grouped.items())
    )
    return "\n".join(standard) + "\n" + canonical_headers + resource


def _sas_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _reset_connection(request: web.Request) -> None:
    """Drop the TCP connection with a RST, as a crashed or flaky front end does."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _common_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["x-ms-request-id"] = str(uuid.uuid4())
    response.headers["x-ms-version"] = request.headers.get("x-ms-version", "2021-08-06")
    response.headers["Date"] = _http_date(datetime.now(UTC))
    if client_id := request.headers.get("x-ms-client-request-id"):
        response.headers["x-ms-client-request-id"] = client_id


def _error_response(request: web.Request, side: Side, error: AdlsError) -> web.Response:
    message = f"{error.message}\nRequestId:{uuid.uuid4()}\nTime:{datetime.now(UTC).isoformat()}"
    headers = {"x-ms-error-code": error.code}
    if request.method == "HEAD":
        return web.Response(status=error.status, headers=headers)
    if side == "dfs":
        body = json.dumps({"error": {"code": error.code, "message": message}})
        return web.Response(
            status=error.status,
            text=body,
            content_type="application/json",
            charset="utf-8",
            headers=headers,
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{error.code}</Code><Message>{message}</Message></Error>"
    )
    return web.Response(
        status=error.status, text=xml, content_type="application/xml", headers=headers
    )


def _check_conditions(request: web.Request, entry: Entry | None, *, creates: bool = False) -> None:
    """Apply ``If-Match`` / ``If-None-Match`` the way the service does for writes.

    ``If-None-Match: *`` on an existing path is 409 ``PathAlreadyExists`` for create and
    rename (``creates``), and 412 ``ConditionNotMet`` for flush and delete.
    """
    if_none_match = request.headers.get("If-None-Match")
    if_match = request.headers.get("If-Match")
    if if_none_match == "*" and entry is not None:
        if creates:
            raise AdlsError(409, "PathAlreadyExists", "The specified path already exists.")
        raise AdlsError(412, "ConditionNotMet", "The condition specified is not met.")
    if if_none_match not in {None, "*"} and entry is not None and entry.etag == if_none_match:
        raise AdlsError(412, "ConditionNotMet", "The condition specified is not met.")
    if if_match is not None and (entry is None or (if_match not in {"*", entry.etag})):
        raise AdlsError(412, "ConditionNotMet", "The condition specified is not met.")


def _ensure_parents(files: dict[str, Entry], path: str, now: datetime) -> None:
    parts = path.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        parent = "/".join(parts[:depth])
        existing = files.get(parent)
        if existing is None:
            files[parent] = Entry(True, _new_etag(), now, now)
        elif not existing.is_directory:
            raise AdlsError(409, "PathConflict", f"{parent} is a file.")


def _create(
    request: web.Request, files: dict[str, Entry], path: str, *, is_directory: bool
) -> web.Response:
    existing = files.get(path)
    _check_conditions(request, existing, creates=True)
    now = datetime.now(UTC)
    if existing is not None and existing.is_directory != is_directory:
        raise AdlsError(409, "PathConflict", "The path exists with another resource type.")
    _ensure_parents(files, path, now)
    properties = _parse_properties(request.headers.get("x-ms-properties", ""))
    if existing is not None and is_directory:
        existing.etag, existing.modified = _new_etag(), now
        entry = existing
    else:
        # A file created without conditions replaces (truncates) what was there.
        entry = Entry(
            is_directory,
            _new_etag(),
            now,
            now,
            properties=properties,
            content_type=request.headers.get("x-ms-content-type"),
        )
        files[path] = entry
    return web.Response(
        status=201, headers={"ETag": entry.etag, "Last-Modified": _http_date(entry.modified)}
    )


def _rename(
    request: web.Request, files: dict[str, Entry], filesystem: str, path: str
) -> web.Response:
    source_header = request.headers.get("x-ms-rename-source", "")
    source_fs, _, source_path = unquote(source_header.partition("?")[0]).lstrip("/").partition("/")
    if source_fs != filesystem:
        raise AdlsError(400, "InvalidRenameSourcePath", "Cross-filesystem rename not emulated.")
    source = files.get(source_path)
    if source is None:
        raise AdlsError(404, "SourcePathNotFound", "The source path does not exist.")
    _check_conditions(request, files.get(path), creates=True)
    parent = path.rpartition("/")[0]
    if parent and (parent not in files or not files[parent].is_directory):
        raise AdlsError(
            404, "RenameDestinationParentPathNotFound", "The parent of the destination is missing."
        )
    moved = {
        name: entry
        for name, entry in files.items()
        if name == source_path or name.startswith(source_path + "/")
    }
    for name in moved:
        del files[name]
    for name, entry in moved.items():
        files[path + name[len(source_path) :]] = entry
    source.etag = _new_etag()
    return web.Response(status=201, headers={"ETag": source.etag})


def _file(files: dict[str, Entry], path: str) -> Entry:
    entry = files.get(path)
    if entry is None:
        raise AdlsError(404, "PathNotFound", "The specified path does not exist.")
    if entry.is_directory:
        raise AdlsError(409, "PathConflict", "The path is a directory.")
    return entry


def _append(
    request: web.Request, files: dict[str, Entry], path: str, query: dict[str, str], body: bytes
) -> web.Response:
    entry = _file(files, path)
    position = int(query["position"])
    md5 = request.headers.get("Content-MD5")
    if md5 is not None and base64.b64decode(md5) != hashlib.md5(body).digest():
        raise AdlsError(400, "Md5Mismatch", "The MD5 value specified in the request did not match.")
    entry.pending[position] = body
    headers: dict[str, str] = {}
    if query.get("flush") == "true":
        _commit(entry, position + len(body), request, retain=False)
        headers["ETag"] = entry.etag
    return web.Response(status=202, headers=headers)


def _flush(
    request: web.Request, files: dict[str, Entry], path: str, query: dict[str, str], body: bytes
) -> web.Response:
    if body:
        raise AdlsError(400, "ContentLengthMustBeZero", "A flush carries no body.")
    entry = _file(files, path)
    _check_conditions(request, entry)
    retain = query.get("retainUncommittedData") == "true"
    _commit(entry, int(query["position"]), request, retain=retain)
    return web.Response(
        status=200, headers={"ETag": entry.etag, "Last-Modified": _http_date(entry.modified)}
    )


def _commit(entry: Entry, position: int, request: web.Request, *, retain: bool) -> None:
    """Commit pending appends up to ``position``; they must be contiguous from the end."""
    length = len(entry.data)
    chunks: list[bytes] = []
    while length < position:
        chunk = entry.pending.get(length)
        if chunk is None:
            break
        chunks.append(chunk)
        length += len(chunk)
    if length != position:
        raise AdlsError(
            400,
            "InvalidFlushPosition",
            "The uploaded data is not contiguous or the position query parameter value is not "
            "equal to the length of the file after appending the uploaded data.",
        )
    for chunk in chunks:
        entry.data.extend(chunk)
    entry.pending = {at: data for at, data in entry.pending.items() if retain and at >= position}
    if (content_type := request.headers.get("x-ms-content-type")) is not None:
        entry.content_type = content_type
    if (content_md5 := request.headers.get("x-ms-content-md5")) is not None:
        entry.content_md5 = content_md5
    entry.etag, entry.modified = _new_etag(), datetime.now(UTC)


def _blob_headers(entry: Entry) -> dict[str, str]:
    headers = {
        "ETag": entry.etag,
        "Last-Modified": _http_date(entry.modified),
        "x-ms-creation-time": _http_date(entry.created),
        "Accept-Ranges": "bytes",
        "Content-Type": entry.content_type or "application/octet-stream",
        "x-ms-blob-type": "BlockBlob",
        "x-ms-resource-type": "directory" if entry.is_directory else "file",
        "x-ms-server-encrypted": "true",
        "x-ms-lease-state": "available",
        "x-ms-lease-status": "unlocked",
    }
    if entry.content_md5 is not None:
        headers["Content-MD5"] = entry.content_md5
    if entry.is_directory:
        headers["x-ms-meta-hdi_isfolder"] = "true"
    headers.update({f"x-ms-meta-{name}": value for name, value in entry.properties.items()})
    return headers


def _properties(request: web.Request, files: dict[str, Entry], path: str) -> web.Response:
    entry = files.get(path)
    if entry is None:
        raise AdlsError(404, "BlobNotFound", "The specified blob does not exist.")
    # HEAD answers carry the size in Content-Length but no body.
    headers = _blob_headers(entry) | {"Content-Length": str(len(entry.data))}
    return web.Response(status=200, headers=headers)


def _read(request: web.Request, files: dict[str, Entry], path: str) -> web.Response:
    entry = files.get(path)
    if entry is None or entry.is_directory:
        raise AdlsError(404, "BlobNotFound", "The specified blob does not exist.")
    if_match = request.headers.get("If-Match")
    if if_match is not None and if_match not in {"*", entry.etag}:
        raise AdlsError(412, "ConditionNotMet", "The condition specified is not met.")
    headers = _blob_headers(entry)
    size = len(entry.data)
    requested = request.headers.get("x-ms-range") or request.headers.get("Range")
    if requested is None:
        return web.Response(status=200, body=bytes(entry.data), headers=headers)
    first_text, _, last_text = requested.removeprefix("bytes=").partition("-")
    first = int(first_text)
    if first >= size:
        error = AdlsError(416, "InvalidRange", "The range specified is invalid.")
        response = _error_response(request, "blob", error)
        response.headers["Content-Range"] = f"bytes */{size}"
        return response
    last = min(int(last_text) if last_text else size - 1, size - 1)
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return web.Response(status=206, body=bytes(entry.data[first : last + 1]), headers=headers)


def _delete(
    request: web.Request, files: dict[str, Entry], path: str, query: dict[str, str]
) -> web.Response:
    entry = files.get(path)
    if entry is None:
        raise AdlsError(404, "PathNotFound", "The specified path does not exist.")
    _check_conditions(request, entry)
    children = [name for name in files if name.startswith(path + "/")]
    if children and query.get("recursive") != "true":
        raise AdlsError(409, "DirectoryNotEmpty", "The recursive query parameter is required.")
    for name in [path, *children]:
        del files[name]
    return web.Response(status=200, headers={"x-ms-deletion-id": str(uuid.uuid4())})


def _list(files: dict[str, Entry], query: dict[str, str]) -> web.Response:
    directory = query.get("directory", "").strip("/")
    if directory and (directory not in files or not files[directory].is_directory):
        raise AdlsError(404, "PathNotFound", "The specified path does not exist.")
    prefix = f"{directory}/" if directory else ""
    recursive = query.get("recursive", "true") == "true"
    names = sorted(
        name
        for name in files
        if name.startswith(prefix) and (recursive or "/" not in name[len(prefix) :])
    )
    start = 0
    if token := query.get("continuation"):
        start = int(base64.b64decode(token).decode("ascii"))
    limit = int(query.get("maxResults", "5000"))
    page = names[start : start + limit]
    headers: dict[str, str] = {}
    if start + limit < len(names):
        headers["x-ms-continuation"] = base64.b64encode(str(start + limit).encode()).decode()
    paths = []
    for name in page:
        entry = files[name]
        ticks = (entry.created - _WINDOWS_EPOCH) // timedelta(microseconds=1) * 10
        item = {
            "contentLength": str(len(entry.data)),
            "creationTime": str(ticks),
            "etag": entry.etag.strip('"'),
            "group": "$superuser",
            "lastModified": _http_date(entry.modified),
            "name": name,
            "owner": "$superuser",
            "permissions": "rwxr-x---" if entry.is_directory else "rw-r-----",
        }
        if entry.is_directory:
            item["isDirectory"] = "true"
        paths.append(item)
    return web.Response(
        status=200,
        text=json.dumps({"paths": paths}),
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )
