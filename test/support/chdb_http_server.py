#!/usr/bin/env python3
"""A small ClickHouse HTTP-interface shim over the in-process chDB engine.

Test infrastructure for Vantage only: it lets `@clickhouse/client` (and curl)
talk to a current ClickHouse engine on a machine that has no ClickHouse server
binary. It implements the subset of ClickHouse's HTTP interface that the Node
client uses; see docs/services.md for what is and is not covered.

Started by scripts/services.sh; can also be run by hand:

    .cache/venv/bin/python test/support/chdb_http_server.py \
        --port 18123 --data-dir .cache/services/clickhouse/data

Design notes
- One persistent chDB Session on --data-dir keeps the engine (and the on-disk
  databases) alive for the life of the process. Each HTTP request opens its own
  lightweight chDB connection on the same path, applies the request's settings
  with SET, runs the query and closes the connection, so per-request settings
  never leak into other requests and requests may run concurrently (chDB
  connections are thread-safe; a semaphore bounds concurrency).
- Requests carrying `session_id` reuse one connection per session (like
  ClickHouse HTTP sessions): SET statements and the current database persist
  for that session, URL settings are applied for one query and then restored.
- Responses are buffered (equivalent to `wait_end_of_query=1`), so an error is
  always reported with a non-200 status, never in the middle of a 200 body.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger("chdb-http")

# URL parameters that ClickHouse's HTTP handler consumes itself; every other
# parameter (except param_*) is a query-level setting.
RESERVED_PARAMS = {
    "query",
    "database",
    "default_format",
    "query_id",
    "session_id",
    "session_timeout",
    "session_check",
    "close_session",
    "user",
    "password",
    "quota_key",
    "compress",
    "decompress",
    "buffer_size",
    "wait_end_of_query",
    "stacktrace",
    "role",
    "client_protocol_version",
}

# Settings that only tune the HTTP transport. They are valid ClickHouse
# settings, and are still passed to the engine, but the shim interprets some of
# them itself (compression) and has nothing to do for the others (progress
# headers: responses are buffered).
HTTP_ONLY_SETTINGS = {
    "enable_http_compression",
    "http_zlib_compression_level",
    "send_progress_in_http_headers",
    "http_headers_progress_interval_ms",
    "http_wait_end_of_query",
    "http_response_buffer_size",
    "cancel_http_readonly_queries_on_client_close",
    "add_http_cors_header",
}

# chDB changes a few defaults for notebook use; put back the server defaults so
# the engine behaves like a ClickHouse server for the code under test.
SERVER_DEFAULT_SETTINGS = {
    "implicit_select": "0",
    "allow_introspection_functions": "0",
}

# ClickHouse's HTTP handler maps some exception codes to HTTP statuses; this is
# the same idea keyed by the exception's type name.
_STATUS_BY_TYPE = {
    "REQUIRED_PASSWORD": 401,
    "UNKNOWN_USER": 403,
    "WRONG_PASSWORD": 403,
    "AUTHENTICATION_FAILED": 403,
    "SET_NON_GRANTED_ROLE": 403,
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    "SOCKET_TIMEOUT": 503,
    "CANNOT_OPEN_FILE": 503,
    "SESSION_NOT_FOUND": 404,
    "SESSION_IS_LOCKED": 423,
}
_BAD_REQUEST_TYPES = {
    "BAD_ARGUMENTS",
    "CANNOT_COMPILE_REGEXP",
    "CANNOT_PARSE_TEXT",
    "CANNOT_PARSE_ESCAPE_SEQUENCE",
    "CANNOT_PARSE_QUOTED_STRING",
    "CANNOT_PARSE_DATE",
    "CANNOT_PARSE_DATETIME",
    "CANNOT_PARSE_NUMBER",
    "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING",
    "CANNOT_PARSE_IPV4",
    "CANNOT_PARSE_IPV6",
    "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
    "CANNOT_PARSE_UUID",
    "CANNOT_PARSE_BOOL",
    "UNKNOWN_ELEMENT_IN_AST",
    "UNKNOWN_TYPE_OF_AST_NODE",
    "TOO_DEEP_AST",
    "TOO_BIG_AST",
    "UNEXPECTED_AST_STRUCTURE",
    "SYNTAX_ERROR",
    "INCORRECT_DATA",
    "TYPE_MISMATCH",
    "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
    "INCORRECT_QUERY",
    "ILLEGAL_TYPE_OF_ARGUMENT",
    "NUMBER_OF_ARGUMENTS_DOESNT_MATCH",
    "UNKNOWN_QUERY_PARAMETER",
    "BAD_QUERY_PARAMETER",
}
_NOT_FOUND_TYPES = {
    "UNKNOWN_TABLE",
    "UNKNOWN_FUNCTION",
    "UNKNOWN_IDENTIFIER",
    "UNKNOWN_TYPE",
    "UNKNOWN_STORAGE",
    "UNKNOWN_DATABASE",
    "UNKNOWN_SETTING",
    "UNKNOWN_DIRECTION_OF_SORTING",
    "UNKNOWN_AGGREGATE_FUNCTION",
    "UNKNOWN_FORMAT",
    "UNKNOWN_DATABASE_ENGINE",
    "UNKNOWN_TYPE_OF_QUERY",
    "UNKNOWN_ROLE",
}

_ERROR_RE = re.compile(r"Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?(.*)", re.S)
_TYPE_RE = re.compile(r"\(([A-Z][A-Z0-9_]{2,})\)\s*$")
_SETTING_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FORMAT_TAIL_RE = re.compile(r"\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*\Z", re.I)


class ShimError(Exception):
    """An error reported to the client in ClickHouse's error format."""

    def __init__(self, code: int, type_name: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.type_name = type_name
        self.message = message
        self.status = status


def status_for(type_name: str) -> int:
    if type_name in _STATUS_BY_TYPE:
        return _STATUS_BY_TYPE[type_name]
    if type_name in _BAD_REQUEST_TYPES:
        return 400
    if type_name in _NOT_FOUND_TYPES:
        return 404
    return 500


def sql_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _skip_space_and_comments(text: str, i: int) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i) or c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            break
    return i


def first_keyword(text: str) -> str:
    i = _skip_space_and_comments(text, 0)
    m = re.match(r"[A-Za-z]+", text[i:])
    return m.group(0).upper() if m else ""


def has_multiple_statements(text: str) -> int:
    """Return the offset of a second statement in `text`, or -1.

    ClickHouse's HTTP interface runs exactly one statement per request
    (chDB, like clickhouse-local, would happily run several), so the shim
    rejects a `;` that is followed by anything but whitespace and comments.
    """
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
        elif text.startswith("--", i) or c == "#" or text.startswith("/*", i):
            i = _skip_space_and_comments(text, i)
        elif c == ";":
            k = _skip_space_and_comments(text, i + 1)
            while k < n and text[k] == ";":
                k = _skip_space_and_comments(text, k + 1)
            if k < n:
                return k
            return -1
        else:
            i += 1
    return -1


def content_type_for(fmt: str) -> str:
    f = fmt.lower()
    if f.startswith("jsoneachrow") or f.startswith("jsoncompacteachrow") or f in (
        "jsonlines",
        "ndjson",
        "jsonstringseachrow",
        "jsoncompactstringseachrow",
        "jsonobjecteachrow",
    ):
        return "application/x-ndjson; charset=UTF-8"
    if f.startswith("json"):
        return "application/json; charset=UTF-8"
    if f.startswith("tabseparated") or f.startswith("tsv"):
        return "text/tab-separated-values; charset=UTF-8"
    if f.startswith("csv"):
        return "text/csv; charset=UTF-8; header=absent"
    if f in ("rowbinary", "native", "parquet", "arrow", "arrowstream", "orc", "avro", "msgpack"):
        return "application/octet-stream"
    return "text/plain; charset=UTF-8"


class Engine:
    """Owns the chDB session and hands out per-request connections."""

    def __init__(self, data_dir: str, max_concurrency: int, config_file: str | None = None):
        import chdb  # imported here so --help works without the engine
        from chdb import session as chdb_session

        self._chdb = chdb
        self.data_dir = os.path.abspath(data_dir)
        os.makedirs(self.data_dir, exist_ok=True)
        # Keeps the engine open on this path for the life of the process. chDB passes the path's
        # query parameters to the engine as startup arguments, and only the first connection
        # starts the engine: server configuration (e.g. BACKUP's `backups.allowed_path`) goes here.
        base_path = self.data_dir
        if config_file:
            base_path += "?config-file=" + os.path.abspath(config_file)
        self._base = chdb_session.Session(base_path)
        self.version = str(getattr(chdb, "engine_version", "") or self._scalar("SELECT version()"))
        self.timezone = self._scalar("SELECT serverTimezone()")
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._sessions: dict[str, dict] = {}
        self._sessions_lock = threading.Lock()
        self._closed = False

    def _scalar(self, sql: str) -> str:
        out = self._base.query(sql, "TSVRaw").bytes().decode().strip()
        return out

    def open_connection(self):
        conn = self._chdb.connect(self.data_dir)
        for name, value in SERVER_DEFAULT_SETTINGS.items():
            conn.query(f"SET {name} = {sql_quote(value)}")
        return conn

    # --- HTTP sessions -------------------------------------------------
    def acquire_session(self, session_id: str, timeout_s: float, check: bool) -> dict:
        with self._sessions_lock:
            self._expire_sessions_locked()
            sess = self._sessions.get(session_id)
            if sess is None:
                if check:
                    raise ShimError(372, "SESSION_NOT_FOUND", f"Session {session_id} not found")
                sess = {
                    "id": session_id,
                    "conn": self.open_connection(),
                    "lock": threading.Lock(),
                    "timeout": timeout_s,
                    "last_used": time.monotonic(),
                }
                self._sessions[session_id] = sess
            if not sess["lock"].acquire(blocking=False):
                raise ShimError(
                    373,
                    "SESSION_IS_LOCKED",
                    f"Session {session_id} is locked by a concurrent client",
                )
            sess["timeout"] = timeout_s
            return sess

    def release_session(self, sess: dict, close: bool) -> None:
        sess["last_used"] = time.monotonic()
        sess["lock"].release()
        if close:
            with self._sessions_lock:
                if self._sessions.get(sess["id"]) is sess:
                    del self._sessions[sess["id"]]
            _close_quietly(sess["conn"])

    def _expire_sessions_locked(self) -> None:
        now = time.monotonic()
        for sid, sess in list(self._sessions.items()):
            if now - sess["last_used"] > sess["timeout"] and sess["lock"].acquire(blocking=False):
                del self._sessions[sid]
                sess["lock"].release()
                _close_quietly(sess["conn"])

    def expire_sessions(self) -> None:
        with self._sessions_lock:
            self._expire_sessions_locked()

    @property
    def slots(self) -> threading.BoundedSemaphore:
        return self._slots

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._sessions_lock:
            for sess in self._sessions.values():
                _close_quietly(sess["conn"])
            self._sessions.clear()
        _close_quietly(self._base)


def _close_quietly(obj) -> None:
    try:
        obj.close()
    except Exception:  # noqa: BLE001 - best effort on shutdown
        pass


def to_shim_error(exc: BaseException) -> ShimError:
    if isinstance(exc, ShimError):
        return exc
    text = str(exc).strip()
    m = _ERROR_RE.search(text)
    if m:
        code = int(m.group(1))
        message = m.group(2).strip()
        t = _TYPE_RE.search(message)
        type_name = t.group(1) if t else "UNKNOWN_EXCEPTION"
        if t:
            message = message[: t.start()].rstrip()
        return ShimError(code, type_name, message)
    return ShimError(1001, "STD_EXCEPTION", f"{type(exc).__name__}: {text}")


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, bytes, bool]]:
    """Parse multipart/form-data into (name, value, is_file) parts."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise ShimError(36, "BAD_ARGUMENTS", "multipart/form-data request without a boundary")
    delim = b"--" + m.group(1).encode("latin-1")
    parts = []
    for chunk in body.split(delim)[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        head, sep, value = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = head.decode("latin-1")
        name_m = re.search(r'name="([^"]*)"', headers, re.I)
        if not name_m:
            continue
        parts.append((name_m.group(1), value, "filename=" in headers.lower()))
    return parts


def decode_request_body(body: bytes, encoding: str) -> bytes:
    enc = encoding.strip().lower()
    if not enc or enc == "identity":
        return body
    try:
        if enc in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if enc == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if enc == "br":
            try:
                import brotli  # type: ignore[import-not-found]
            except ImportError:
                brotli = None
            if brotli is not None:
                return brotli.decompress(body)
        if enc == "zstd":
            try:
                from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
            except ImportError:
                zstd = None
            if zstd is not None:
                return zstd.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise ShimError(354, "CANNOT_DECOMPRESS", f"Cannot decompress request body ({enc}): {exc}")
    raise ShimError(
        48,
        "NOT_IMPLEMENTED",
        f"Content-Encoding '{encoding}' is not supported by the chDB HTTP shim (use gzip or deflate)",
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "chdb-http-shim"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 30  # idle keep-alive timeout, seconds (ClickHouse's default keep_alive_timeout)

    # Set by main()
    engine: Engine
    auth_user: str | None = None
    auth_password: str = ""
    display_name: str = socket.gethostname()

    # ------------------------------------------------------------------
    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_OPTIONS(self) -> None:
        body = self._read_body()  # noqa: F841 - drain
        self._send(204, b"", {"Allow": "GET, HEAD, POST, OPTIONS"})

    # ------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if getattr(self, "_body_cache", None) is not None:
            return self._body_cache
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("client closed connection inside a chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        trailer = self.rfile.readline(65537)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)  # CRLF after the chunk
            body = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
        self._body_cache = body
        return body

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Type" not in headers:
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        else:
            self.send_header("Keep-Alive", f"timeout={self.timeout}, max=10000")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _send_error(self, err: ShimError, query_id: str) -> None:
        status = err.status or status_for(err.type_name)
        message = err.message.rstrip()
        if not message.endswith("."):
            message += "."
        text = f"Code: {err.code}. DB::Exception: {message} ({err.type_name}) (version {self.engine.version})\n"
        headers = {
            "X-ClickHouse-Exception-Code": str(err.code),
            "X-ClickHouse-Server-Display-Name": self.display_name,
            "X-ClickHouse-Query-Id": query_id,
        }
        self._send(status, text.encode("utf-8", "replace"), headers)

    # ------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        self._body_cache = None
        started = time.monotonic()
        url = urlsplit(self.path)
        path = url.path or "/"
        params = parse_qsl(url.query, keep_blank_values=True)
        query_id = ""
        for k, v in params:
            if k == "query_id":
                query_id = v
        query_id = query_id or str(uuid.uuid4())
        try:
            body = self._read_body()
        except (ValueError, ConnectionError) as exc:
            self.close_connection = True
            self._send_error(ShimError(27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED", f"Bad request body: {exc}", 400), query_id)
            return

        if path in ("/ping", "/replicas_status"):
            self._send(200, b"Ok.\n", {})
            return
        if path != "/":
            msg = f"There is no handle {path}\n\nUse / or /ping for health checks.\n"
            self._send(404, msg.encode(), {})
            return

        status = 500
        self._preview = ""
        try:
            self._check_auth(params)
            out, headers, is_empty = self._run_query(method, params, body, query_id)
            status = 200
            if is_empty:
                self._send(200, b"Ok.\n", {})
                return
            self._send(200, out, headers)
        except Exception as exc:  # noqa: BLE001 - everything becomes a ClickHouse-style error
            err = to_shim_error(exc)
            status = err.status or status_for(err.type_name)
            if not isinstance(exc, ShimError) and err.type_name == "STD_EXCEPTION":
                log.exception("unexpected error")
            self._send_error(err, query_id)
        finally:
            log.info(
                "%s %s %d %.1fms qid=%s %s",
                method,
                path,
                status,
                (time.monotonic() - started) * 1000,
                query_id,
                self._preview.replace("\n", " "),
            )

    def _check_auth(self, params: list[tuple[str, str]]) -> None:
        if self.auth_user is None:
            return  # credentials are accepted and ignored
        user = self.headers.get("X-ClickHouse-User")
        password = self.headers.get("X-ClickHouse-Key")
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                u, _, p = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
                user, password = user or u, password if password is not None else p
            except (ValueError, UnicodeDecodeError):
                pass
        for k, v in params:
            if k == "user" and user is None:
                user = v
            elif k == "password" and password is None:
                password = v
        user = user or "default"
        if user != self.auth_user or (password or "") != self.auth_password:
            raise ShimError(
                516,
                "AUTHENTICATION_FAILED",
                f"{user}: Authentication failed: password is incorrect, or there is no user with such name",
            )

    def _run_query(
        self, method: str, params: list[tuple[str, str]], body: bytes, query_id: str
    ) -> tuple[bytes, dict[str, str], bool]:
        body = decode_request_body(body, self.headers.get("Content-Encoding", ""))

        query_text: str | None = None
        database = self.headers.get("X-ClickHouse-Database")
        default_format = self.headers.get("X-ClickHouse-Format") or "TabSeparated"
        session_id = None
        session_timeout = 60.0
        session_check = False
        close_session = False
        settings: dict[str, str] = {}
        qparams: dict[str, str] = {}

        if any(k == "decompress" and v not in ("", "0") for k, v in params):
            raise ShimError(
                48,
                "NOT_IMPLEMENTED",
                "decompress=1 (ClickHouse native compression of the request body) is not supported by the chDB HTTP shim",
            )

        all_params = list(params)
        ctype = self.headers.get("Content-Type", "")
        multipart = ctype.lower().startswith("multipart/form-data")
        if multipart:
            for name, value, is_file in parse_multipart(body, ctype):
                if is_file:
                    raise ShimError(
                        48,
                        "NOT_IMPLEMENTED",
                        "external data (file parts in multipart/form-data) is not supported by the chDB HTTP shim",
                    )
                all_params.append((name, value.decode("utf-8")))
            body = b""

        for k, v in all_params:
            if k == "query":
                query_text = v
            elif k == "database":
                database = v
            elif k == "default_format":
                default_format = v
            elif k == "session_id":
                session_id = v
            elif k == "session_timeout":
                try:
                    session_timeout = float(v)
                except ValueError:
                    raise ShimError(36, "BAD_ARGUMENTS", f"Invalid session timeout: '{v}'")
            elif k == "session_check":
                session_check = v not in ("", "0")
            elif k == "close_session":
                close_session = v not in ("", "0")
            elif k.startswith("param_"):
                qparams[k[len("param_"):]] = v
            elif k in RESERVED_PARAMS:
                continue
            else:
                if not _SETTING_NAME_RE.match(k):
                    raise ShimError(115, "UNKNOWN_SETTING", f"Unknown setting '{k}'")
                settings[k] = v

        if query_text is not None and body:
            sql = query_text.encode("utf-8") + b"\n" + body
        elif query_text is not None:
            sql = query_text.encode("utf-8")
        else:
            sql = body
        if not sql.strip():
            if method in ("GET", "HEAD"):
                return b"", {}, True  # like ClickHouse: GET / without a query answers "Ok."
            raise ShimError(62, "SYNTAX_ERROR", "Empty query")

        head_text = sql[:65536].decode("utf-8", "replace")
        self._preview = head_text[:300]
        keyword = first_keyword(head_text)
        is_insert = keyword == "INSERT"
        if not is_insert:
            full_text = sql.decode("utf-8", "replace")
            pos = has_multiple_statements(full_text)
            if pos >= 0:
                raise ShimError(
                    62,
                    "SYNTAX_ERROR",
                    f"Syntax error (Multi-statements are not allowed): failed at position {pos + 1}: "
                    f"{full_text[pos:pos + 40]!r}. Multi-statements are not allowed",
                )
            fm = _FORMAT_TAIL_RE.search(full_text)
            out_format = fm.group(1) if fm else default_format
        else:
            out_format = default_format

        engine = self.engine
        if not engine.slots.acquire(timeout=300):
            raise ShimError(202, "TOO_MANY_SIMULTANEOUS_QUERIES", "Too many simultaneous queries")
        try:
            if session_id:
                sess = engine.acquire_session(session_id, session_timeout, session_check)
                try:
                    res = self._execute_in_session(sess["conn"], sql, default_format, database, settings, qparams)
                finally:
                    engine.release_session(sess, close_session)
            else:
                conn = engine.open_connection()
                try:
                    res = self._execute_fresh(conn, method, sql, default_format, database, settings, qparams)
                finally:
                    _close_quietly(conn)
        finally:
            engine.slots.release()

        out = res.bytes() or b""
        read_rows = _stat(res, "rows_read")
        written_rows = _stat(res, "rows_written")
        summary = {
            "read_rows": str(read_rows),
            "read_bytes": str(_stat(res, "bytes_read")),
            "written_rows": str(written_rows),
            "written_bytes": str(_stat(res, "bytes_written")),
            "total_rows_to_read": str(read_rows),
            "result_rows": str(written_rows if is_insert else 0),
            "result_bytes": str(len(out)),
            "elapsed_ns": str(int(float(_stat(res, "elapsed", 0.0)) * 1e9)),
        }
        headers = {
            "X-ClickHouse-Server-Display-Name": self.display_name,
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Timezone": engine.timezone,
            "X-ClickHouse-Summary": json.dumps(summary, separators=(",", ":")),
        }
        if not is_insert:
            headers["X-ClickHouse-Format"] = out_format
            headers["Content-Type"] = content_type_for(out_format)
        out = self._maybe_compress(out, settings, headers)
        return out, headers, False

    def _maybe_compress(self, out: bytes, settings: dict[str, str], headers: dict[str, str]) -> bytes:
        if settings.get("enable_http_compression", "0") in ("", "0", "false"):
            return out
        accepted = [a.split(";")[0].strip().lower() for a in self.headers.get("Accept-Encoding", "").split(",")]
        try:
            level = int(settings.get("http_zlib_compression_level", "3"))
        except ValueError:
            level = 3
        level = max(1, min(level, 9))
        if "gzip" in accepted or "x-gzip" in accepted:
            headers["Content-Encoding"] = "gzip"
            return gzip.compress(out, compresslevel=level)
        if "deflate" in accepted:
            headers["Content-Encoding"] = "deflate"
            return zlib.compress(out, level)
        return out  # zstd/br/lz4/...: answer uncompressed, which every client accepts

    @staticmethod
    def _apply_settings(conn, settings: dict[str, str]) -> None:
        for name, value in settings.items():
            conn.query(f"SET {name} = {sql_quote(value)}")

    def _execute_fresh(self, conn, method, sql, fmt, database, settings, qparams):
        if database:
            conn.query(f"USE `{database.replace('`', '``')}`")
        self._apply_settings(conn, settings)
        if method in ("GET", "HEAD") and "readonly" not in settings:
            # Like ClickHouse: a GET request is read-only (readonly=2 still allows SET).
            conn.query("SET readonly = 2")
        return conn.query(sql, fmt, params=qparams)

    def _execute_in_session(self, conn, sql, fmt, database, settings, qparams):
        saved_db = None
        saved: dict[str, str] = {}
        if database:
            saved_db = conn.query("SELECT currentDatabase()", "TSVRaw").bytes().decode().strip()
            conn.query(f"USE `{database.replace('`', '``')}`")
        settings = {k: v for k, v in settings.items() if k != "readonly"}  # cannot be undone in a session
        if settings:
            names = ", ".join(sql_quote(n) for n in settings)
            rows = conn.query(f"SELECT name, value FROM system.settings WHERE name IN ({names})", "JSONEachRow").bytes()
            for line in rows.decode().splitlines():
                if line.strip():
                    row = json.loads(line)
                    saved[row["name"]] = row["value"]
        try:
            self._apply_settings(conn, settings)
            return conn.query(sql, fmt, params=qparams)
        finally:
            for name, value in saved.items():
                try:
                    conn.query(f"SET {name} = {sql_quote(value)}")
                except Exception:  # noqa: BLE001
                    log.warning("could not restore setting %s in session", name)
            if saved_db is not None:
                try:
                    conn.query(f"USE `{saved_db.replace('`', '``')}`")
                except Exception:  # noqa: BLE001
                    pass


def _stat(res, name: str, default=0):
    fn = getattr(res, name, None)
    if fn is None:
        return default
    try:
        return fn()
    except Exception:  # noqa: BLE001
        return default


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18123)
    ap.add_argument("--data-dir", required=True, help="chDB data path (created if missing; persists across restarts)")
    ap.add_argument("--user", default=os.environ.get("CHDB_HTTP_USER"), help="if set, require this user (default: accept any credentials)")
    ap.add_argument("--password", default=os.environ.get("CHDB_HTTP_PASSWORD", ""), help="password for --user")
    ap.add_argument(
        "--config-file",
        help="ClickHouse server configuration (XML) given to the engine at startup, e.g. <backups>",
    )
    ap.add_argument("--max-concurrency", type=int, default=8, help="queries executed at the same time")
    ap.add_argument("--pid-file", help="write the process id here once ready")
    ap.add_argument("--log-level", default=os.environ.get("CHDB_HTTP_LOG_LEVEL", "INFO"))
    args = ap.parse_args(argv)

    logging.basicConfig(
        level=getattr(logging, args.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    t0 = time.monotonic()
    try:
        engine = Engine(args.data_dir, args.max_concurrency, args.config_file)
    except Exception as exc:  # noqa: BLE001
        log.error("cannot open chDB at %s: %s", args.data_dir, exc)
        return 2
    Handler.engine = engine
    Handler.auth_user = args.user or None
    Handler.auth_password = args.password or ""
    try:
        server = Server((args.host, args.port), Handler)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", args.host, args.port, exc)
        engine.close()
        return 3

    stopping = threading.Event()

    def _stop(signum, _frame):
        if not stopping.is_set():
            stopping.set()
            log.info("signal %d: shutting down", signum)
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def _janitor():
        while not stopping.wait(5):
            engine.expire_sessions()

    threading.Thread(target=_janitor, daemon=True).start()

    if args.pid_file:
        with open(args.pid_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    log.info(
        "ready: http://%s:%d engine=ClickHouse %s chdb=%s data=%s (startup %.2fs)",
        args.host,
        args.port,
        engine.version,
        getattr(engine._chdb, "__version__", "?"),
        engine.data_dir,
        time.monotonic() - t0,
    )
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        engine.close()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
